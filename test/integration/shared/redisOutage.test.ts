import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  circuitBreaker,
  type CircuitBreakerPolicy,
  createClient,
  type SharedState,
  sharedState,
  throttle,
} from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';

/**
 * Redis killed or paused after the fleet opened a circuit: every replica decides alone,
 * half-open trials included, so a healed upstream is not held back by a Redis outage.
 */
describe('a Redis outage under a circuit the fleet opened', () => {
  const suite = useFlakyUpstream();
  const telemetry = useOtel();
  let redis: RedisServer;
  let prefixes = 0;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  const syncAll = (replicas: SharedState[]) => Promise.all(replicas.map((r) => r.sync()));
  /** Until every replica's rounds reach Redis (the first fail while ioredis connects or reconnects). */
  const connected = async (replicas: SharedState[]) => {
    for (let i = 0; i < 200; i++) {
      if ((await syncAll(replicas)).every(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('shared state never reached redis-server');
  };
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'sent: 200',
      (error: { code?: string }) => (error.code === 'CIRCUIT_OPEN' ? 'refused' : `sent: ${error.code}`),
    );

  for (const outage of ['killed', 'paused'] as const) {
    it(`Redis ${outage}: a healed upstream gets traffic again after one break duration and one trial`, async (t) => {
      const clock = fakeClock(Date.now());
      const prefix = `outage${++prefixes}:`;
      const replicas = ['a', 'b'].map((replicaId) =>
        sharedState({
          url: redis.url,
          prefix,
          replicaId,
          now: clock.now,
          syncIntervalMs: 60_000,
          timeoutMs: 200,
          circuitMinThroughput: 4,
        }),
      );
      t.after(() => Promise.all(replicas.map((shared) => shared.close())));
      await connected(replicas);
      const path = `/${outage}`;
      suite.server.script(path, { status: 503 });
      const breakers: CircuitBreakerPolicy[] = replicas.map(() =>
        circuitBreaker({ failureThreshold: 10, breakDurationMs: 10_000 }),
      );
      const clients = replicas.map((shared, i) =>
        createClient({
          baseUrl: suite.server.url,
          name: `up-${outage}`,
          clock,
          env: {},
          resilience: [breakers[i]!, throttle()],
          shared,
        }),
      );
      // Each replica sees 3 failures (below its own threshold of 10): only the fleet opens.
      for (const client of clients) for (let i = 0; i < 3; i++) await assert.rejects(client.json(path));
      await syncAll(replicas);
      await syncAll(replicas);
      const sent = suite.server.hits(path);
      assert.deepEqual(await Promise.all(clients.map((client) => outcome(client.json(path)))), ['refused', 'refused']);
      assert.equal(suite.server.hits(path), sent, 'the fleet opened the circuit: refused unsent');

      if (outage === 'killed') await redis.kill();
      else redis.pause();
      try {
        assert.deepEqual(await syncAll(replicas), [false, false], 'the rounds count the outage');
        assert.deepEqual(
          replicas.map((shared) => shared.healthy),
          [false, false],
        );
        const gauge = pointsOf((await telemetry.otel.collect()).get('faultline.shared_state.healthy'))
          .filter((point) => point.attributes['faultline.upstream'] === `up-${outage}`)
          .map((point) => point.value);
        assert.ok(gauge.length > 0 && gauge.every((value) => value === 0), `faultline.shared_state.healthy: ${gauge}`);

        // The upstream heals while Redis is out. One break duration after the fleet opened
        // the circuit, each replica runs its own half-open trial: it is sent, it succeeds.
        suite.server.script(path, { status: 200, body: '{}' });
        const healedAt = suite.server.hits(path);
        clock.advance(10_000);
        assert.deepEqual(await Promise.all(clients.map((client) => outcome(client.json(path)))), [
          'sent: 200',
          'sent: 200',
        ]);
        assert.deepEqual(
          breakers.map((b) => b.stateOf(`up-${outage}`)),
          ['closed', 'closed'],
        );
        assert.equal(suite.server.hits(path), healedAt + 2, 'one trial per replica, each sent');
        await syncAll(replicas);
        for (const client of clients) assert.deepEqual(await client.json(path), {});
      } finally {
        if (outage === 'killed') await redis.start();
        else redis.resume();
      }
      // Redis back: sharing resumes, and what it kept from before the outage (a paused Redis
      // still holds the fleet's open circuit) does not shut the healed upstream out again.
      await connected(replicas);
      await syncAll(replicas);
      for (const client of clients) assert.deepEqual(await client.json(path), {});
      assert.deepEqual(
        breakers.map((b) => b.stateOf(`up-${outage}`)),
        ['closed', 'closed'],
      );
    });
  }

  it('the outage is told once per 10 s in the log, however many rounds fail', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const logs = captureLogs('warn');
    const shared = sharedState({ url: redis.url, prefix: 'told:', syncIntervalMs: 60_000, timeoutMs: 200 });
    t.after(() => shared.close());
    createClient({ baseUrl: suite.server.url, name: 'told', env: {}, telemetry: { logger: logs.logger }, shared });
    await connected([shared]);
    // Rounds that failed while ioredis connected were told already: start a fresh 10 s.
    t.mock.timers.tick(10_000);
    logs.reset();
    await redis.kill();
    try {
      for (let i = 0; i < 5; i++) assert.equal(await shared.sync(), false);
      const told = () => logs.lines.filter((line) => String(line['message']).includes('round to Redis'));
      assert.equal(told().length, 1, 'one line for five failed rounds');
      assert.equal(told()[0]?.['level'], 'warn');
      assert.match(String(told()[0]?.['error']), /\w/, 'with the error');
      t.mock.timers.tick(9_999);
      assert.equal(await shared.sync(), false);
      assert.equal(told().length, 1, 'still one within 10 s');
      t.mock.timers.tick(1);
      assert.equal(await shared.sync(), false);
      assert.equal(told().length, 2, 'the next after 10 s');
      assert.equal(told()[1]?.['faultline.reports_held_back'], 5);
    } finally {
      await redis.start();
    }
  });
});
