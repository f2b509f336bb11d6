import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FleetUpstream, startFleetUpstream } from '../../fixtures/fleetUpstream.js';
import { type FleetRun, runFleet } from '../../fixtures/runFleet.js';
import { type RedisServer, startRedis } from '../../fixtures/redisServer.js';

const REPLICAS = 8;
const DURATION_MS = 6000;
const SYNC_MS = 100;
const CAP = 10;

/**
 * Eight replica processes call one upstream at a fixed offered load, first each on its own
 * state, then sharing it through a real redis-server; the upstream counts what arrives.
 */
describe('the fleet: 8 replicas, one upstream, local vs shared state', () => {
  let upstream: FleetUpstream;
  let redis: RedisServer;
  let local: FleetRun;
  let shared: FleetRun;
  before(async () => {
    upstream = await startFleetUpstream();
    redis = await startRedis();
    local = await runFleet({ upstream, redisUrl: undefined, replicas: REPLICAS, durationMs: DURATION_MS });
    shared = await runFleet({
      upstream,
      redisUrl: redis.url,
      replicas: REPLICAS,
      durationMs: DURATION_MS,
      syncIntervalMs: SYNC_MS,
      capPerMinute: CAP,
    });
  });
  after(async () => {
    await upstream.close();
    await redis.stop();
  });

  it('retries into a dead upstream stay within the fleet budget (ratio + one floor), not 8 floors', (t) => {
    const floor = 1 * 10; // minRetriesPerSecond × the 10 s window
    const retriesOf = (run: FleetRun) => (run.requests['/down'] ?? 0) - (run.calls['budget'] ?? 0);
    const sharedLimit = 0.1 * (shared.calls['budget'] ?? 0) + floor;
    t.diagnostic(
      `/down (100% 503): local ${local.calls['budget']} calls → ${local.requests['/down']} requests (${retriesOf(local)} retries); ` +
        `shared ${shared.calls['budget']} calls → ${shared.requests['/down']} requests (${retriesOf(shared)} retries; fleet budget ${sharedLimit})`,
    );
    assert.ok(retriesOf(local) > sharedLimit, 'each replica alone spends a floor of its own');
    // Sync lag: each replica may spend what one round had not yet told it.
    assert.ok(retriesOf(shared) <= sharedLimit + REPLICAS, `shared retries ${retriesOf(shared)} > ${sharedLimit}`);
  });

  it('one replica receiving Retry-After: 5 holds the others back to at most one request each', (t) => {
    t.diagnostic(
      `/ra requests per replica in the 5 s after Retry-After: local [${local.afterRetryAfter.join(', ')}], shared [${shared.afterRetryAfter.join(', ')}]`,
    );
    assert.ok(local.afterRetryAfter.filter((n) => n > 1).length >= REPLICAS - 1, 'alone, the others keep sending');
    for (const [replica, n] of shared.afterRetryAfter.entries()) assert.ok(n <= 1, `replica ${replica} sent ${n}`);
  });

  it('one sick replica does not open the others’ circuits; the whole fleet failing opens every circuit', (t) => {
    const states = (run: FleetRun, name: string) => run.reports.map((r) => r.finalState[name]);
    t.diagnostic(`solo: local [${states(local, 'solo').join(',')}], shared [${states(shared, 'solo').join(',')}]`);
    t.diagnostic(`all: local [${states(local, 'all').join(',')}], shared [${states(shared, 'all').join(',')}]`);
    for (const run of [local, shared]) {
      const solo = run.reports.map((r) => r.finalState['solo']);
      assert.deepEqual(solo, ['open', ...new Array<string>(REPLICAS - 1).fill('closed')]);
    }
    assert.deepEqual(states(local, 'all'), new Array<string>(REPLICAS).fill('closed'), 'below each local threshold');
    assert.deepEqual(states(shared, 'all'), new Array<string>(REPLICAS).fill('open'), 'opened by the fleet');
    const opened = shared.reports.map((r) => r.openedAt['all'] ?? Infinity);
    const spread = Math.max(...opened) - Math.min(...opened);
    t.diagnostic(`all opened at ${opened.map((o) => o - Math.min(...opened)).join(',')}`);
    t.diagnostic(
      `all: every circuit opened within ${spread} ms of the first (sync interval ${SYNC_MS} ms, a call every 100 ms)`,
    );
    // One round to see the fleet's decision and the next call to act on it: ~200 ms on a
    // quiet machine. Nine processes share two cores with whatever else runs, and under load
    // a replica's timers slip by more than a second (1.4 s and 1.6 s seen with other builds
    // running). The bound is there to fail when a replica opened on its own (after 1000
    // failures, a call every 100 ms: 100 s) or never, which 3 s still tells apart.
    assert.ok(spread <= 30 * SYNC_MS, `circuits opened over ${spread} ms`);
  });

  it('Sentry events per fingerprint stay within the cap, plus at most one per replica from sync lag', (t) => {
    t.diagnostic(
      `Sentry events for /down: local ${local.sentryEvents}, shared ${shared.sentryEvents} (cap ${CAP}/min)`,
    );
    // The cap's window is the minute of the clock, and a 6 s run may cross into the next.
    const minutes = shared.sentryByMinute.length;
    t.diagnostic(`shared events by minute of the clock: [${shared.sentryByMinute.join(', ')}]`);
    assert.ok(minutes >= 1 && minutes <= 2, `events in ${minutes} minutes`);
    // Alone, each replica's window starts at its first event: CAP each, whatever the clock says.
    assert.equal(local.sentryEvents, REPLICAS * CAP);
    for (const inMinute of shared.sentryByMinute)
      assert.ok(inMinute <= CAP + REPLICAS, `${inMinute} events in one minute`);
    assert.ok(shared.sentryEvents < local.sentryEvents / 2, `${shared.sentryEvents} events`);
  });

  it('every replica reached Redis', () => {
    assert.deepEqual(
      shared.reports.map((r) => r.sharedHealthy),
      new Array<boolean>(REPLICAS).fill(true),
    );
  });
});
