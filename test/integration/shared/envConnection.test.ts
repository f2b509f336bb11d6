import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient, init } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';

/** The connection FAULTLINE_REDIS_URL makes: one per process, closed by its last client. */
describe('the Redis connection made from the environment', () => {
  const suite = useFlakyUpstream();
  let redis: RedisServer;
  let probe: Redis;
  before(async () => {
    redis = await startRedis();
    probe = new Redis(redis.url);
  });
  after(async () => {
    probe.disconnect();
    await redis.stop();
  });

  /** Connections redis-server has besides this probe's, once they settle at `expected` (or the last count). */
  const othersSettleAt = async (expected: number) => {
    let others = -1;
    for (let i = 0; i < 200; i++) {
      const lines = String(await probe.client('LIST'))
        .split('\n')
        .filter((line) => line.trim() !== '');
      others = lines.length - 1;
      if (others === expected) return others;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return others;
  };

  it('is shared by the clients of a process and closed by client.close() of the last one', async () => {
    const env = { FAULTLINE_REDIS_URL: redis.url, FAULTLINE_REDIS_PREFIX: 'env:' };
    const client = () => createClient({ baseUrl: suite.server.url, name: 'env', env });
    const first = client();
    const second = client();
    assert.deepEqual(await first.json('/ok'), { ok: true });
    assert.deepEqual(await second.json('/ok'), { ok: true });
    assert.equal(await othersSettleAt(1), 1, 'one connection for both clients');

    await first.close();
    assert.deepEqual(await second.json('/ok'), { ok: true });
    assert.equal(await othersSettleAt(1), 1, 'the other client still uses it');

    await second.close();
    assert.equal(await othersSettleAt(0), 0, 'the last client closed it');

    // A client made afterwards connects again.
    const third = client();
    assert.deepEqual(await third.json('/ok'), { ok: true });
    assert.equal(await othersSettleAt(1), 1);
    await third.close();
    assert.equal(await othersSettleAt(0), 0);
  });

  // Last: shutdown() refuses calls from then on (until another init()).
  it('is closed by the runtime’s shutdown(), even while a client still holds it', async () => {
    const env = { FAULTLINE_REDIS_URL: redis.url, FAULTLINE_REDIS_PREFIX: 'env:' };
    const runtime = await init({ env, logger: captureLogs().logger });
    const client = createClient({ baseUrl: suite.server.url, name: 'env', env });
    assert.deepEqual(await client.json('/ok'), { ok: true });
    assert.equal(await othersSettleAt(1), 1);
    await runtime.shutdown();
    assert.equal(await othersSettleAt(0), 0, 'shutdown() closed it');
    await client.close();
  });
});
