import '../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Agent, type Dispatcher } from 'undici';
import { type FaultServer as FlakyUpstream, startFaultServer as startFlakyUpstream } from '../../src/testing/index.js';
import {
  circuitBreaker,
  createClient,
  isRequestFailure,
  retry,
  retryBudget,
  type SharedState,
  sharedState,
  throttle,
} from '../../src/index.js';
import { fakeClock } from '../helpers/fakeClock.js';
import { type RedisServer, startRedis } from '../../fixtures/redisServer.js';

/**
 * Redis stopped, paused (SIGSTOP) and restarted under a replica: every call's outcome equals
 * the outcome of a twin client on local state, no call waits on Redis, nothing rejects
 * unhandled, and sharing resumes by itself.
 */
describe('shared state when Redis fails', () => {
  let upstream: FlakyUpstream;
  let redis: RedisServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    upstream = await startFlakyUpstream();
    redis = await startRedis();
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await upstream.close();
    await redis.stop();
  });

  const until = async (shared: SharedState, healthy: boolean) => {
    for (let i = 0; i < 200; i++) {
      if ((await shared.sync()) === healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`shared state never became ${healthy ? 'healthy' : 'unhealthy'}`);
  };

  it('stopped, paused, restarted: outcomes equal local state and sharing resumes', async (t) => {
    // Every fourth request answers; the rest fail: budget, breaker and backoff all decide.
    upstream.cycle('/mixed', { status: 503 }, { status: 503 }, { status: 200, body: '{}' }, { status: 503 });
    const clock = fakeClock(Date.now());
    const shared = sharedState({ url: redis.url, prefix: 'faults:', replicaId: 'one', timeoutMs: 200, now: clock.now });
    const peer = sharedState({ url: redis.url, prefix: 'faults:', replicaId: 'peer', timeoutMs: 200, now: clock.now });
    // Closed however the test ends: an open connection would keep the process alive.
    t.after(() => Promise.all([shared.close(), peer.close()]));
    const policies = () => [
      retry({ maxAttempts: 3, baseDelayMs: 1, jitter: 'none' }),
      retryBudget({ minRetriesPerSecond: 1 }),
      circuitBreaker({ failureThreshold: 50 }),
      throttle(),
    ];
    const options = { baseUrl: upstream.url, name: 'mixed', clock, env: {}, telemetry: { enabled: false } } as const;
    // Whether a call's request reaches the wire within the macrotask that started the call:
    // then no call waits on Redis (or any other I/O) before it is sent, stopped or paused,
    // which wall-clock timings on a shared machine cannot show reliably.
    let dispatched = 0;
    const wire = new (class extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched++;
        return super.dispatch(options, handler);
      }
    })();
    t.after(() => wire.close());
    const sentInSameTurn = () => {
      const before = dispatched;
      let sent: boolean | undefined;
      setImmediate(() => (sent = dispatched > before));
      return () => sent;
    };
    const sharedClient = createClient({ ...options, resilience: policies(), shared, transport: { dispatcher: wire } });
    const localClient = createClient({ ...options, resilience: policies(), shared: false });
    const outcome = async (call: Promise<unknown>) => {
      try {
        await call;
        return 'ok';
      } catch (error) {
        return isRequestFailure(error) ? `${error.kind}/${error.code}/${error.attempts}` : String(error);
      }
    };
    // The twins take turns on the same cycle, so each sees the same answers.
    const twins = async (phase: string, calls: number) => {
      for (let i = 0; i < calls; i++) {
        const localStarted = performance.now();
        const local = await outcome(localClient.json('/mixed'));
        const localMs = performance.now() - localStarted;
        worstLocal = Math.max(worstLocal, localMs);
        upstream.cycle('/mixed', { status: 503 }, { status: 503 }, { status: 200, body: '{}' }, { status: 503 });
        const started = performance.now();
        const sameTurn = sentInSameTurn();
        const mine = await outcome(sharedClient.json('/mixed'));
        const ms = performance.now() - started;
        assert.equal(sameTurn(), true, `${phase}, call ${i}: the request left before the call's first turn ended`);
        upstream.cycle('/mixed', { status: 503 }, { status: 503 }, { status: 200, body: '{}' }, { status: 503 });
        assert.equal(mine, local, `${phase}, call ${i}`);
        worst = Math.max(worst, ms);
        // What Redis could add: the shared call's time over its local twin's, just before it.
        worstExtra = Math.max(worstExtra, ms - localMs);
      }
    };
    let worst = 0;
    let worstLocal = 0;
    let worstExtra = 0;
    await until(shared, true);
    await twins('healthy', 5);

    await redis.stop();
    await until(shared, false);
    await twins('stopped', 5);

    await redis.start();
    await until(shared, true);
    redis.pause();
    // A round is under way and cannot finish: calls go on without it.
    let roundDone = false;
    const round = shared.sync().then((reached) => ((roundDone = true), reached));
    await twins('paused', 5);
    assert.equal(roundDone, false, 'every call finished while the round waited on the paused Redis');
    assert.equal(await round, false, 'the round gave up after timeoutMs');
    redis.resume();

    await until(shared, true);
    await until(peer, true);
    await twins('restarted', 5);
    // Sharing resumed: a throttle the peer learns reaches this replica.
    const peerGate = createClient({ ...options, resilience: policies(), shared: peer });
    upstream.script('/limited', { status: 429, headers: { 'retry-after': '30' } });
    // No retry on this call: the Retry-After is learned, not waited out.
    await assert.rejects(peerGate.json('/limited', { resilience: [throttle()] }));
    await peer.sync();
    await shared.sync();
    await assert.rejects(sharedClient.json('/limited'), { code: 'THROTTLE_HOLD' });
    assert.deepEqual(unhandled, []);
    t.diagnostic(
      `slowest call through stop/pause/restart: ${worst.toFixed(2)} ms with shared state, ${worstLocal.toFixed(2)} ms on local state; ` +
        `most a shared call took over its local twin: ${worstExtra.toFixed(2)} ms`,
    );
  });

  it('a paused Redis gets the round that was waiting on it, not one more per interval', async (t) => {
    // The app's own client, as apps configure it: an offline queue and no command timeout.
    const app = new Redis(redis.url);
    app.on('error', () => undefined);
    const stats = new Redis(redis.url);
    t.after(() => (app.disconnect(), stats.disconnect()));
    const shared = sharedState({ redis: app, prefix: 'pile:', timeoutMs: 100, syncIntervalMs: 60_000 });
    t.after(() => shared.close());
    await until(shared, true);
    await stats.config('RESETSTAT');
    redis.pause();
    try {
      for (let i = 0; i < 5; i++) assert.equal(await shared.sync(), false, `round ${i} while paused`);
    } finally {
      redis.resume();
    }
    await until(shared, true);
    const pings = /cmdstat_ping:calls=(\d+)/.exec(await stats.info('commandstats'))?.[1];
    assert.equal(pings, '2', 'the round the pause caught and the first one after it');
  });
});
