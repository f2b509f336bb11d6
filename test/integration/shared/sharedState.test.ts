import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
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
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';
import { pointsOf } from '../../helpers/otel.js';

describe('shared state through a real redis-server', () => {
  const suite = useFlakyUpstream();
  const telemetry = useOtel();
  let redis: RedisServer;
  const opened: SharedState[] = [];
  let prefixes = 0;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(opened.map((shared) => shared.close()));
    await redis.stop();
  });
  /** Replicas of one service: shared states under one fresh prefix, on one clock. */
  const fleet = (count: number, now: () => number) => {
    const prefix = `t${++prefixes}:`;
    return Array.from({ length: count }, (_, i) => {
      const shared = sharedState({
        url: redis.url,
        prefix,
        replicaId: `r${i}`,
        now,
        syncIntervalMs: 60_000,
        circuitMinThroughput: 5,
      });
      opened.push(shared);
      return shared;
    });
  };
  const syncAll = (replicas: SharedState[]) => Promise.all(replicas.map((r) => r.sync()));
  /** Until every replica's connection is up (the first rounds fail while it connects). */
  const connected = async (replicas: SharedState[]) => {
    for (let i = 0; i < 100; i++) {
      if ((await syncAll(replicas)).every(Boolean)) return replicas;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('shared state never reached redis-server');
  };

  it('a Retry-After learned by one replica holds back the others, unsent', async () => {
    suite.server.script('/ra', { status: 429, headers: { 'retry-after': '5' } }, { status: 200, body: '{}' });
    const clock = fakeClock(Date.now());
    const [a, b] = await connected(fleet(2, clock.now));
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
    assert.deepEqual(await syncAll([a!, b!]), [true, true]);
    const held = await cb.json('/ra').catch((error: unknown) => error);
    assert.ok(held instanceof ThrottledError);
    assert.equal(held.code, 'THROTTLE_HOLD');
    assert.equal(held.retryAfterMs, 5000);
    assert.equal(suite.server.hits('/ra'), 1, 'the other replica did not send');
  });

  it('one list in a sharing client and a local one: each policy keeps its state where its client’s context says', async () => {
    suite.server.script('/one-list', { status: 429, headers: { 'retry-after': '5' } }, { status: 200, body: '{}' });
    const clock = fakeClock(Date.now());
    const [a, b] = await connected(fleet(2, clock.now));
    // The same policy objects in every client: the store comes from each client's build
    // context (the fleet's, or the policy's own memory), nothing is swapped inside them.
    const policies = [throttle()];
    const clientOf = (shared: SharedState | false) =>
      createClient({
        baseUrl: suite.server.url,
        name: 'one-list',
        clock,
        env: {},
        telemetry: { enabled: false },
        resilience: policies,
        shared,
      });
    const sharing = clientOf(a!);
    const local = clientOf(false);
    const other = clientOf(b!);
    await assert.rejects(other.json('/one-list'), ThrottledError);
    // b's round, then a's: a hears what b told.
    assert.equal(await b!.sync(), true);
    assert.equal(await a!.sync(), true);
    await assert.rejects(sharing.json('/one-list'), { code: 'THROTTLE_HOLD' });
    assert.equal(suite.server.hits('/one-list'), 1, 'the sharing client held on the fleet’s word');
    assert.deepEqual(await local.json('/one-list'), {}, 'the local client knows only its own answers');
    assert.equal(suite.server.hits('/one-list'), 2);
  });

  it('the retry budget is the fleet’s: one floor and one ratio for every replica', async () => {
    suite.server.script('/budget', { status: 503 });
    const clock = fakeClock(Date.now());
    const replicas = await connected(fleet(3, clock.now));
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
    // Each replica knows the upstream (a replica's first call may act on local state alone).
    for (const budget of budgets) assert.equal(budget.available('budget'), 6);
    await syncAll(replicas);
    // The floor is 6 retries per window for the whole fleet.
    for (const client of clients) {
      await assert.rejects(client.json('/budget'));
      await syncAll(replicas);
    }
    assert.equal(suite.server.hits('/budget'), 3 + 6, 'three first attempts and the fleet’s six retries');
    assert.deepEqual(
      budgets.map((b) => b.available('budget')),
      [0, 0, 0],
    );
  });

  it('a circuit opens fleet-wide only on evidence from more than one replica', async () => {
    suite.server.script(
      '/sick',
      { status: 200, body: '{}' },
      { status: 200, body: '{}' },
      { status: 200, body: '{}' },
      { status: 503 },
    );
    const clock = fakeClock(Date.now());
    const replicas = await connected(fleet(3, clock.now));
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
    for (const client of clients) assert.deepEqual(await client.json('/sick'), {});
    await syncAll(replicas);
    // One sick replica alone: its own circuit opens, the others' stay closed.
    for (let i = 0; i < 6; i++) await assert.rejects(clients[0]!.json('/sick'));
    await syncAll(replicas);
    await syncAll(replicas);
    assert.deepEqual(
      breakers.map((b) => b.stateOf('sick')),
      ['open', 'closed', 'closed'],
    );
    // A second replica sees failures too (fewer than its own threshold): quorum reached.
    for (let i = 0; i < 2; i++) await assert.rejects(clients[1]!.json('/sick'));
    await syncAll(replicas);
    await syncAll(replicas);
    const before = suite.server.hits('/sick');
    await assert.rejects(clients[2]!.json('/sick'), { code: 'CIRCUIT_OPEN' });
    await assert.rejects(clients[1]!.json('/sick'), { code: 'CIRCUIT_OPEN' });
    assert.equal(suite.server.hits('/sick'), before, 'refused unsent');
    // One replica runs the half-open trial; its success closes every circuit.
    suite.server.script('/sick', { status: 200, body: '{}' });
    clock.advance(10_000);
    await syncAll(replicas);
    const tickets = breakers.map((_, i) =>
      clients[i]!.json('/sick').then(
        () => 'sent',
        (error: { code?: string }) => error.code,
      ),
    );
    const outcomes = await Promise.all(tickets);
    assert.equal(outcomes.filter((o) => o === 'sent').length, 1, `one trial: ${outcomes.join(',')}`);
    await syncAll(replicas);
    await syncAll(replicas);
    for (const client of clients) assert.deepEqual(await client.json('/sick'), {});
    assert.deepEqual(
      breakers.map((b) => b.stateOf('sick')),
      ['closed', 'closed', 'closed'],
    );
  });

  it('the Sentry cap holds for the fleet, plus at most one event per replica from sync lag', async () => {
    // The cap counts per minute of this clock: start a second into a minute, so the run (100 ms)
    // never crosses into the next one, whatever the wall clock reads.
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const replicas = await connected(fleet(3, () => now));
    const caps = replicas.map((shared) => new ReportCap(4, internalsOf(shared)!.cap));
    let admitted = 0;
    for (let round = 0; round < 10; round++) {
      for (const cap of caps) if (cap.admit('faultline/x/GET/{id}/server', now).admitted) admitted++;
      await syncAll(replicas);
      now += 10;
    }
    assert.ok(admitted >= 4 && admitted <= 4 + 3, `admitted ${admitted}`);
  });

  it('ignores bad and foreign data under the prefix', async () => {
    const clock = fakeClock(Date.now());
    const [a] = await connected(fleet(1, clock.now));
    const raw = new Redis(redis.url);
    try {
      const prefix = a!.prefix;
      await raw.set(`{${prefix}junk}:throttle`, 'not a number');
      await raw.set(`{${prefix}junk}:circuit:open`, '99999999999999999');
      await raw.lpush(`{${prefix}junk}:circuit:${Math.floor(clock.now() / 1000)}`, 'a list');
      await raw.set(`{${prefix}junk}:budget:${Math.floor(clock.now() / 1000)}`, 'a string');
      const client = createClient({
        baseUrl: suite.server.url,
        name: 'junk',
        clock,
        env: {},
        telemetry: { enabled: false },
        resilience: [retryBudget(), circuitBreaker(), throttle()],
        shared: a!,
      });
      assert.deepEqual(await client.json('/fine'), { ok: true });
      assert.equal(await a!.sync(), true);
      assert.deepEqual(await client.json('/fine'), { ok: true });
    } finally {
      raw.disconnect();
    }
  });

  it('the faultline.shared_state.healthy gauge reads 1 while Redis answers, 0 while it does not', async () => {
    const clock = fakeClock(Date.now());
    const shared = sharedState({
      url: redis.url,
      prefix: 'health:',
      now: clock.now,
      syncIntervalMs: 60_000,
      timeoutMs: 100,
    });
    opened.push(shared);
    await connected([shared]);
    const client = createClient({ baseUrl: suite.server.url, name: 'ledger', clock, env: {}, shared });
    const local = createClient({ baseUrl: suite.server.url, name: 'local', clock, env: {}, shared: false });
    await client.json('/fine');
    await local.json('/fine');
    const gauge = async () =>
      pointsOf((await telemetry.otel.collect()).get('faultline.shared_state.healthy')).map((point) => [
        point.attributes['faultline.upstream'],
        point.value,
      ]);
    // Only clients with shared state have the series.
    assert.deepEqual(await gauge(), [['ledger', 1]]);
    redis.pause();
    try {
      assert.equal(await shared.sync(), false);
      assert.deepEqual(await gauge(), [['ledger', 0]]);
    } finally {
      redis.resume();
    }
    await connected([shared]);
    assert.deepEqual(await gauge(), [['ledger', 1]]);
  });
});
