// The adaptive throttle's counts shared by two replicas through a real redis-server: one
// replica's rejections (and refusals) raise the other's probability after a sync().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adaptiveThrottle, createClient, type SharedState, sharedState } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('adaptiveThrottle shared through a real redis-server', () => {
  const suite = useFlakyUpstream();
  let redis: RedisServer;
  const opened: SharedState[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(opened.map((shared) => shared.close()));
    await redis.stop();
  });
  const connected = async (replicas: SharedState[]) => {
    for (let i = 0; i < 100; i++) {
      if ((await Promise.all(replicas.map((r) => r.sync()))).every(Boolean)) return replicas;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('shared state never reached redis-server');
  };

  it('one replica’s rejections raise the other’s probability after a sync; the fleet’s sums decide', async () => {
    suite.server.script('/sick', { status: 503 });
    const clock = fakeClock(Date.now());
    const [a, b] = await connected(
      ['a', 'b'].map((replicaId) => {
        const shared = sharedState({
          url: redis.url,
          prefix: 'at1:',
          replicaId,
          now: clock.now,
          syncIntervalMs: 60_000,
        });
        opened.push(shared);
        return shared;
      }),
    );
    // A draw of 0.99: refused only at a probability above 0.99.
    const policies = [adaptiveThrottle({ random: () => 0.99 }), adaptiveThrottle({ random: () => 0.99 })];
    const [ca, cb] = [a!, b!].map((shared, i) =>
      createClient({
        baseUrl: suite.server.url,
        name: 'sick',
        clock,
        env: {},
        telemetry: { enabled: false },
        resilience: [policies[i]!],
        shared,
      }),
    );
    for (let i = 0; i < 9; i++) await assert.rejects(ca!.json('/sick'));
    assert.equal(policies[0]!.rejectionProbability('sick'), 0.9);
    assert.equal(policies[1]!.rejectionProbability('sick'), 0, 'b has seen nothing yet');
    assert.deepEqual(await Promise.all([a!.sync(), b!.sync()]), [true, true]);
    assert.equal(await b!.sync(), true, 'b reads what a pushed');
    assert.equal(policies[1]!.rejectionProbability('sick'), 0.9, 'b decides on the fleet’s counts');
    // b's own rejections add to a's: 9 + 91 requests, no accepts.
    for (let i = 0; i < 91; i++) await assert.rejects(cb!.json('/sick'));
    assert.equal(suite.server.hits('/sick'), 100, 'with a draw of 0.99 every call so far was sent');
    await b!.sync();
    await a!.sync();
    assert.equal(policies[0]!.rejectionProbability('sick'), 100 / 101);
    const refused = await ca!.json('/sick').catch((error: unknown) => error);
    assert.equal((refused as { code?: string }).code, 'ADAPTIVE_THROTTLE', 'a refuses on b’s evidence');
    assert.equal(suite.server.hits('/sick'), 100, 'unsent');
  });

  it('recovery accepting on the fleet’s sums: b’s accepted calls stop a’s refusals from counting (field s shared)', async () => {
    suite.server.script('/flaky', { status: 503 });
    const clock = fakeClock(Date.now());
    const [a, b] = await connected(
      ['a', 'b'].map((replicaId) => {
        const shared = sharedState({
          url: redis.url,
          prefix: 'at2:',
          replicaId,
          now: clock.now,
          syncIntervalMs: 60_000,
        });
        opened.push(shared);
        return shared;
      }),
    );
    // a refuses at any probability above 0; b only above 0.99.
    const policies = [adaptiveThrottle({ random: () => 0 }), adaptiveThrottle({ random: () => 0.99 })];
    const [ca, cb] = [a!, b!].map((shared, i) =>
      createClient({
        baseUrl: suite.server.url,
        name: 'flaky',
        clock,
        env: {},
        telemetry: { enabled: false },
        resilience: [policies[i]!],
        shared,
      }),
    );
    await assert.rejects(ca!.json('/flaky'));
    for (let i = 0; i < 9; i++)
      assert.equal(
        ((await ca!.json('/flaky').catch((e: unknown) => e)) as { code?: string }).code,
        'ADAPTIVE_THROTTLE',
      );
    assert.equal(suite.server.hits('/flaky'), 1, 'a sent one (rejected), refused nine');
    assert.equal(policies[0]!.rejectionProbability('flaky'), 10 / 11);
    await a!.sync();
    await b!.sync();
    assert.equal(policies[1]!.rejectionProbability('flaky'), 10 / 11, 'b sees a’s requests');
    suite.server.script('/flaky', { status: 200, json: { ok: true } });
    // b's draw of 0.99 is above 10/11: sent, accepted. Fleet: 11 requests, 2 sent, 1 accepted: k·1 ≥ 2.
    assert.deepEqual(await cb!.json('/flaky'), { ok: true });
    assert.equal(policies[1]!.rejectionProbability('flaky'), 0, 'the book would say (11 − 2) / 12');
    await b!.sync();
    await a!.sync();
    assert.equal(policies[0]!.rejectionProbability('flaky'), 0, 'a decides on the fleet’s sent and accepts');
    assert.deepEqual(await ca!.json('/flaky'), { ok: true }, 'sent, whatever a’s draw');
    assert.equal(suite.server.hits('/flaky'), 2, 'b’s and a’s, since it healed (script() starts the count again)');
  });
});
