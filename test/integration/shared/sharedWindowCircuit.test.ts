import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  circuitBreaker,
  type CircuitBreakerOptions,
  createClient,
  type SharedState,
  sharedState,
  throttle,
} from '../../../src/index.js';
import { type FakeClock, fakeClock } from '../../helpers/fakeClock.js';
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

// The window rules with shared state: each replica decides on its own counts, and the fleet
// applies the breaker's same rule to the counts of every replica over the window (with
// the quorum: evidence from at least two replicas).
describe('window rules over a fleet sharing state through a real redis-server', () => {
  const suite = useFlakyUpstream();
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

  /** Three replicas on one clock, each with its own breaker and client of `name`. */
  const fleet = async (name: string, clock: FakeClock, options: CircuitBreakerOptions) => {
    const prefix = `w${++prefixes}:`;
    const replicas = [0, 1, 2].map((i) => {
      const shared = sharedState({
        url: redis.url,
        prefix,
        replicaId: `r${i}`,
        now: clock.now,
        syncIntervalMs: 60_000,
      });
      opened.push(shared);
      return shared;
    });
    const syncAll = () => Promise.all(replicas.map((r) => r.sync()));
    for (let i = 0; (await syncAll()).some((ok) => !ok); i++) {
      if (i === 100) throw new Error('shared state never reached redis-server');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const breakers = replicas.map(() => circuitBreaker(options));
    const clients = replicas.map((shared, i) =>
      createClient({
        baseUrl: suite.server.url,
        name,
        clock,
        env: {},
        telemetry: { enabled: false },
        resilience: [breakers[i]!, throttle()],
        shared,
      }),
    );
    return { breakers, clients, syncAll };
  };
  const settle = (call: Promise<unknown>) =>
    call.then(
      () => 'ok',
      (error: { code?: string }) => error.code,
    );

  it('failureRatio: replicas each below minimumThroughput open the fleet’s circuit together', async () => {
    suite.server.cycle('/half', 200, 503);
    const clock = fakeClock(Date.now());
    const { breakers, clients, syncAll } = await fleet('half', clock, { failureRatio: 0.4, minimumThroughput: 10 });
    assert.equal(await settle(clients[2]!.json('/half')), 'ok');
    for (let i = 0; i < 5; i++) await settle(clients[0]!.json('/half'));
    for (let i = 0; i < 5; i++) await settle(clients[1]!.json('/half'));
    assert.deepEqual(
      breakers.map((b) => b.stateOf('half')),
      ['closed', 'closed', 'closed'],
      'locally: 5 calls are below the minimum throughput of 10',
    );
    await syncAll();
    await syncAll();
    // The fleet: 11 calls, 5 failed (45% ≥ 40%), from two replicas.
    assert.deepEqual(
      breakers.map((b) => b.stateOf('half')),
      ['closed', 'closed', 'closed'],
      'until the next attempt asks',
    );
    const before = suite.server.hits('/half');
    assert.deepEqual(await Promise.all(clients.map((c) => settle(c.json('/half')))), [
      'CIRCUIT_OPEN',
      'CIRCUIT_OPEN',
      'CIRCUIT_OPEN',
    ]);
    assert.equal(suite.server.hits('/half'), before, 'refused unsent');
  });

  it('slowCallMs: slow answers seen across the fleet open every replica’s circuit', async () => {
    suite.server.cycle('/slowish', { status: 200, json: {}, delayMs: 40 });
    const clock = fakeClock(Date.now());
    const { breakers, clients, syncAll } = await fleet('slowish', clock, { slowCallMs: 20, minimumThroughput: 6 });
    assert.equal(await settle(clients[2]!.json('/slowish')), 'ok');
    for (let i = 0; i < 3; i++) await settle(clients[0]!.json('/slowish'));
    for (let i = 0; i < 3; i++) await settle(clients[1]!.json('/slowish'));
    assert.deepEqual(
      breakers.map((b) => b.stateOf('slowish')),
      ['closed', 'closed', 'closed'],
    );
    await syncAll();
    await syncAll();
    assert.deepEqual(await Promise.all(clients.map((c) => settle(c.json('/slowish')))), [
      'CIRCUIT_OPEN',
      'CIRCUIT_OPEN',
      'CIRCUIT_OPEN',
    ]);
  });
});
