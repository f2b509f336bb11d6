import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  circuitBreaker,
  createClient,
  retry,
  retryBudget,
  type SharedState,
  sharedState,
  throttle,
  ThrottledError,
} from '../../../src/index.js';
import { internalsOf } from '../../../src/shared/sharedState.js';
import { ReportCap } from '../../../src/signals/sentry/reportCap.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type RedisCluster, startRedisCluster } from '../../../fixtures/redisCluster.js';
import { CLUSTER_LIBRARIES } from '../../helpers/clusterLibraries.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('shared state on a real Redis Cluster (3 masters, 3 replicas)', () => {
  const suite = useFlakyUpstream();
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(() => cluster?.close());

  /** The slot Redis gives `key` (CLUSTER KEYSLOT). */
  const slotOf = async (key: string) => Number(await cluster.cli(cluster.nodes[0]!, 'CLUSTER', 'KEYSLOT', key));

  for (const library of CLUSTER_LIBRARIES) {
    describe(`with the app's ${library.name}`, () => {
      const opened: { shared: SharedState; close(): Promise<void> }[] = [];
      let prefixes = 0;
      after(async () => {
        await Promise.all(opened.map(({ shared }) => shared.close()));
        await Promise.all(opened.map(({ close }) => close()));
      });
      /** Replicas of one service, each with its own cluster client, under one fresh prefix, on one clock. */
      const fleet = async (count: number, now: () => number) => {
        const prefix = `${library.name.slice(0, 2)}${++prefixes}:`;
        const replicas: SharedState[] = [];
        for (let i = 0; i < count; i++) {
          const { client, close } = await library.connect(cluster);
          const shared = sharedState({
            redis: client,
            prefix,
            replicaId: `r${i}`,
            now,
            syncIntervalMs: 60_000,
            timeoutMs: 2000,
            circuitMinThroughput: 5,
          });
          opened.push({ shared, close });
          replicas.push(shared);
        }
        // Until every client knows the cluster's slots (the first rounds may fail while it connects).
        for (let i = 0; i < 100; i++) {
          if ((await syncAll(replicas)).every(Boolean)) return replicas;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('shared state never reached the cluster');
      };
      const syncAll = (replicas: SharedState[]) => Promise.all(replicas.map((r) => r.sync()));
      /** Every key on every master, with the port of the master holding it. */
      const keysOnMasters = async () => {
        const found = new Map<string, number>();
        for (const node of cluster.nodes) {
          if (!(await cluster.cli(node, 'ROLE')).startsWith('master')) continue;
          for (const key of (await cluster.cli(node, 'KEYS', '*')).split('\n').filter(Boolean))
            found.set(key, node.port);
        }
        return found;
      };

      it('rounds reach the cluster: each upstream’s keys under its own hash tag, in its slot', async () => {
        suite.server.script('/limited', { status: 429, headers: { 'retry-after': '30' } });
        suite.server.script('/failing', { status: 503 });
        const clock = fakeClock(Date.now());
        const [shared] = await fleet(1, clock.now);
        const client = (name: string) =>
          createClient({
            baseUrl: suite.server.url,
            name,
            clock,
            env: {},
            telemetry: { enabled: false },
            resilience: [retryBudget(), circuitBreaker(), throttle()],
            shared: shared!,
          });
        // Three upstreams (three tags, three slots) and the Sentry cap in one round.
        await assert.rejects(client('catalog').json('/limited'), ThrottledError);
        await assert.rejects(client('payments').json('/failing'));
        await assert.rejects(client('ledger').json('/failing'));
        new ReportCap(5, internalsOf(shared!)!.cap).admit('faultline/x/GET/{id}/server', clock.now());
        // The 429 asked for a round at once (a hold is pushed without waiting for the interval):
        // sync() joins it if it is still on its way, and it may have left before the last
        // calls. The next round carries all four slots.
        await shared!.sync();
        assert.equal(await shared!.sync(), true, 'a round over four slots reached the cluster');
        assert.equal(shared!.healthy, true);
        const prefix = shared!.prefix;
        const keys = await keysOnMasters();
        const mine = [...keys.keys()].filter((key) => key.startsWith(`{${prefix}`)).sort();
        const bucket = (ms: number) => Math.floor(clock.now() / ms);
        const expected = [
          `{${prefix}catalog}:throttle`,
          `{${prefix}catalog}:budget:${bucket(1000)}`,
          `{${prefix}catalog}:circuit:${bucket(1000)}`,
          `{${prefix}payments}:budget:${bucket(1000)}`,
          `{${prefix}payments}:circuit:${bucket(1000)}`,
          `{${prefix}ledger}:budget:${bucket(1000)}`,
          `{${prefix}ledger}:circuit:${bucket(1000)}`,
        ];
        for (const key of expected) assert.ok(mine.includes(key), `${key} in ${mine.join(', ')}`);
        const cap = mine.filter((key) => key.startsWith(`{${prefix}#sentry}:cap:`));
        assert.equal(cap.length, 1, `one cap key: ${mine.join(', ')}`);
        assert.equal(mine.length, expected.length + 1, mine.join(', '));
        // Each key is on the master serving its tag's slot; an upstream's keys share one.
        for (const key of mine) assert.equal(keys.get(key), (await cluster.masterOf(await slotOf(key))).port, key);
        const catalog = await Promise.all(mine.filter((k) => k.includes('catalog}')).map(slotOf));
        assert.equal(new Set(catalog).size, 1, 'one upstream, one slot');
      });

      it('a Retry-After learned by one replica holds back another, unsent', async () => {
        suite.server.script('/ra', { status: 429, headers: { 'retry-after': '5' } }, { status: 200, body: '{}' });
        const clock = fakeClock(Date.now());
        const [a, b] = await fleet(2, clock.now);
        const clientOf = (shared: SharedState) =>
          createClient({
            baseUrl: suite.server.url,
            name: 'ra',
            clock,
            env: {},
            telemetry: { enabled: false },
            resilience: [throttle()],
            shared,
          });
        const ca = clientOf(a!);
        const cb = clientOf(b!);
        await assert.rejects(ca.json('/ra'), ThrottledError);
        // a's round, then b's: the most a replica lags is one round of its own after another's.
        assert.equal(await a!.sync(), true);
        assert.equal(await b!.sync(), true);
        const held = await cb.json('/ra').catch((error: unknown) => error);
        assert.ok(held instanceof ThrottledError, String(held));
        assert.equal(held.code, 'THROTTLE_HOLD');
        assert.equal(held.retryAfterMs, 5000);
        assert.equal(suite.server.hits('/ra'), 1, 'the other replica did not send');
      });

      it('the retry budget is the fleet’s', async () => {
        suite.server.script('/budget', { status: 503 });
        const clock = fakeClock(Date.now());
        const replicas = await fleet(3, clock.now);
        const budgets = replicas.map(() => retryBudget({ ratio: 0, minRetriesPerSecond: 0.6, windowMs: 10_000 }));
        const clients = replicas.map((shared, i) =>
          createClient({
            baseUrl: suite.server.url,
            name: 'budget',
            clock,
            env: {},
            telemetry: { enabled: false },
            resilience: [retry({ maxAttempts: 5, baseDelayMs: 0, jitter: 'none' }), budgets[i]!, throttle()],
            shared,
          }),
        );
        for (const budget of budgets) assert.equal(budget.available('budget'), 6);
        await syncAll(replicas);
        for (const client of clients) {
          await assert.rejects(client.json('/budget'));
          assert.deepEqual(await syncAll(replicas), [true, true, true]);
        }
        assert.equal(suite.server.hits('/budget'), 3 + 6, 'three first attempts and the fleet’s six retries');
        assert.deepEqual(
          budgets.map((b) => b.available('budget')),
          [0, 0, 0],
        );
      });

      it('a circuit opens fleet-wide on evidence from two replicas and one trial closes it for all', async () => {
        const fine = { status: 200, body: '{}' } as const;
        suite.server.script('/sick', fine, fine, fine, { status: 503 });
        const clock = fakeClock(Date.now());
        const replicas = await fleet(3, clock.now);
        const breakers = replicas.map(() => circuitBreaker({ failureThreshold: 5, breakDurationMs: 10_000 }));
        const clients = replicas.map((shared, i) =>
          createClient({
            baseUrl: suite.server.url,
            name: 'sick',
            clock,
            env: {},
            telemetry: { enabled: false },
            resilience: [breakers[i]!, throttle()],
            shared,
          }),
        );
        // Every replica knows the circuit; then two of them see failures (fewer than their threshold).
        for (const client of clients) assert.deepEqual(await client.json('/sick'), {});
        for (let i = 0; i < 3; i++) await assert.rejects(clients[0]!.json('/sick'));
        for (let i = 0; i < 3; i++) await assert.rejects(clients[1]!.json('/sick'));
        await syncAll(replicas);
        assert.deepEqual(await syncAll(replicas), [true, true, true]);
        const before = suite.server.hits('/sick');
        await assert.rejects(clients[2]!.json('/sick'), { code: 'CIRCUIT_OPEN' });
        assert.equal(suite.server.hits('/sick'), before, 'refused unsent');
        // The trial's success closes the circuit fleet-wide (SET, then DEL of two keys in one slot).
        suite.server.script('/sick', { status: 200, body: '{}' });
        clock.advance(10_000);
        await syncAll(replicas);
        const outcomes = await Promise.all(
          clients.map((client) =>
            client.json('/sick').then(
              () => 'sent',
              (error: { code?: string }) => error.code,
            ),
          ),
        );
        assert.equal(outcomes.filter((o) => o === 'sent').length, 1, `one trial: ${outcomes.join(',')}`);
        assert.deepEqual(await syncAll(replicas), [true, true, true]);
        assert.deepEqual(await syncAll(replicas), [true, true, true]);
        for (const client of clients) assert.deepEqual(await client.json('/sick'), {});
      });

      it('the Sentry cap holds for the fleet, plus at most one event per replica', async () => {
        // The cap counts per minute of this clock: start a second into a minute, so the run (100 ms)
        // never crosses into the next one, whatever the wall clock reads.
        let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
        const replicas = await fleet(3, () => now);
        const caps = replicas.map((shared) => new ReportCap(4, internalsOf(shared)!.cap));
        let admitted = 0;
        for (let round = 0; round < 10; round++) {
          for (const cap of caps) if (cap.admit('faultline/x/GET/{id}/server', now).admitted) admitted++;
          assert.deepEqual(await syncAll(replicas), [true, true, true]);
          now += 10;
        }
        assert.ok(admitted >= 4 && admitted <= 4 + 3, `admitted ${admitted}`);
      });
    });
  }
});
