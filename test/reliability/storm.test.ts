import '../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { captureLogs, type FaultServer, startFaultServer } from '../../src/testing/index.js';
import {
  circuitBreaker,
  createClient,
  fallback,
  isRequestFailure,
  retry,
  retryBudget,
  ServerError,
  throttle,
} from '../../src/index.js';
import { type Clock, systemClock } from '../../src/core/clock.js';

/** A clock the test moves by hand; waits are real (the retries' few ms). */
const handClock = (now: () => number): Clock => ({ now, sleep: systemClock.sleep });

describe('no retry storm', () => {
  let upstream: FaultServer;
  before(async () => {
    upstream = await startFaultServer();
  });
  after(() => upstream.close());

  it('retryBudget keeps retries within 10% of calls plus the floor, counted at the server', async (t) => {
    upstream.script('/down', { status: 503 });
    const calls = 2000;
    const floor = 2 * 10; // minRetriesPerSecond × the 10 s window
    const client = createClient({
      name: 'storm',
      baseUrl: upstream.url,
      env: {},
      telemetry: { report: false },
      // Without the budget this would be 4 attempts per call: 8,000 requests.
      resilience: [
        retry({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 }),
        retryBudget({ ratio: 0.1, minRetriesPerSecond: 2 }),
        throttle(),
      ],
    });
    for (let wave = 0; wave < calls / 100; wave++) {
      await Promise.all(Array.from({ length: 100 }, () => client.get('/down').catch(() => {})));
    }
    const requests = upstream.hits('/down');
    const retries = requests - calls;
    assert.ok(retries > 0, 'some retries were allowed');
    assert.ok(retries <= calls * 0.1 + floor, `retries ${retries} > 10% of ${calls} + ${floor}`);
    t.diagnostic(
      `retry storm: ${calls} calls to a 100% 503 upstream made ${requests} requests (${retries} retries; limit ${calls * 0.1 + floor}; without the budget ${calls * 4})`,
    );
  });

  it('a fallback answers every call of a storm, and the retry budget still holds; a throwing one is reported once and every call gets its failure', async () => {
    upstream.script('/down-with-fallback', { status: 503 });
    const calls = 1000;
    const floor = 2 * 10;
    const budgeted = () => [
      retry({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 }),
      retryBudget({ ratio: 0.1, minRetriesPerSecond: 2 }),
      throttle(),
    ];
    const cached = { rates: 'cached' };
    const answered = createClient({
      name: 'storm-fallback',
      baseUrl: upstream.url,
      env: {},
      telemetry: { report: false },
      resilience: [fallback({ value: cached }), ...budgeted()],
    });
    const answers: unknown[] = [];
    for (let wave = 0; wave < calls / 100; wave++) {
      answers.push(...(await Promise.all(Array.from({ length: 100 }, () => answered.json('/down-with-fallback')))));
    }
    assert.equal(answers.length, calls);
    assert.ok(
      answers.every((answer) => answer === cached),
      'every call answered by the fallback',
    );
    const requests = upstream.hits('/down-with-fallback');
    assert.ok(requests - calls <= calls * 0.1 + floor, `retries ${requests - calls} beyond the budget`);

    upstream.script('/down-with-fallback', { status: 503 });
    const logs = captureLogs('warn');
    const throwing = createClient({
      name: 'storm-fallback-throws',
      baseUrl: upstream.url,
      env: {},
      telemetry: { report: false, logger: logs.logger },
      resilience: [
        fallback({
          answer: async () => {
            throw new Error('cache down');
          },
        }),
        ...budgeted(),
      ],
    });
    const outcomes: unknown[] = [];
    for (let wave = 0; wave < calls / 100; wave++) {
      outcomes.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, () =>
            throwing.json('/down-with-fallback').then(
              () => 'answered',
              (e) => e,
            ),
          ),
        )),
      );
    }
    assert.ok(
      outcomes.every((e) => e instanceof ServerError && isRequestFailure(e) && e.kind === 'server'),
      'every call ends with the original failure',
    );
    // Diagnostics name the policy and its hook.
    const reports = logs.lines.filter(
      (line) => line['message'] === 'faultline: fallback (answer) failed; the request goes on',
    );
    // The diagnostics throttle: one report per 10 s, not one per call.
    assert.equal(reports.length, 1);
    logs.logger.close();
  });

  it('the circuit breaker opens and stops traffic, then half-opens and recovers when the upstream heals', async () => {
    upstream.script('/flaky', { status: 503 });
    let now = 0;
    const states: string[] = [];
    const breaker = circuitBreaker({
      failureThreshold: 5,
      breakDurationMs: 10_000,
      onStateChange: (state) => states.push(state),
    });
    const client = createClient({
      name: 'breaker',
      baseUrl: upstream.url,
      env: {},
      clock: handClock(() => now),
      telemetry: { report: false },
      resilience: [breaker, throttle()],
    });

    // Ten waves of 20 concurrent calls: the first wave is all in flight before any fails.
    const outcomes: string[] = [];
    for (let wave = 0; wave < 10; wave++) {
      outcomes.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, () =>
            client.get('/flaky').then(
              () => 'ok',
              (e: { kind: string }) => e.kind,
            ),
          ),
        )),
      );
    }
    const sent = upstream.hits('/flaky');
    assert.equal(breaker.stateOf('breaker'), 'open');
    assert.equal(sent, 20, 'only the first wave reached the upstream');
    assert.equal(outcomes.filter((k) => k === 'circuit_open').length, 180);
    // Concurrent calls already in flight when it opened still reach the server; nothing after.
    await Promise.all(Array.from({ length: 100 }, () => client.get('/flaky').catch(() => {})));
    assert.equal(upstream.hits('/flaky'), sent, 'no traffic while open');

    upstream.script('/flaky', { status: 200, body: '{}' });
    now += 10_000;
    const trial = await Promise.all(
      Array.from({ length: 5 }, () =>
        client.get('/flaky').then(
          () => 'ok',
          (e: { kind: string }) => e.kind,
        ),
      ),
    );
    assert.deepEqual(trial.filter((k) => k === 'ok').length, 1, 'one trial in half-open');
    assert.equal(breaker.stateOf('breaker'), 'closed');
    assert.equal((await client.get('/flaky')).status, 200);
    assert.deepEqual(states, ['open', 'half-open', 'closed']);
  });

  it('a ratio breaker per route stops a failing route’s storm while the healthy route keeps its traffic', async () => {
    upstream.script('/routes/down', { status: 503 });
    upstream.script('/routes/up', { status: 200, body: '{}' });
    let now = 0;
    const breaker = circuitBreaker({
      failureRatio: 0.5,
      minimumThroughput: 20,
      breakDurationMs: 60_000,
      perRoute: true,
    });
    const client = createClient({
      name: 'routes',
      baseUrl: upstream.url,
      env: {},
      clock: handClock(() => now),
      telemetry: { report: false },
      resilience: [retry({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 }), breaker, throttle()],
    });
    const outcomes = { down: [] as string[], up: [] as string[] };
    let afterFirstWave = 0;
    for (let wave = 0; wave < 10; wave++) {
      const calls = (path: 'down' | 'up') =>
        Array.from({ length: 20 }, () =>
          client.get(`/routes/${path}`).then(
            () => 'ok',
            (e: { kind: string }) => e.kind,
          ),
        );
      const [down, up] = await Promise.all([Promise.all(calls('down')), Promise.all(calls('up'))]);
      outcomes.down.push(...down);
      outcomes.up.push(...up);
      if (wave === 0) afterFirstWave = upstream.hits('/routes/down');
      now += 1000;
    }
    assert.equal(breaker.stateOf('routes', '/routes/down'), 'open');
    assert.equal(breaker.stateOf('routes', '/routes/up'), 'closed');
    assert.ok(
      outcomes.up.every((k) => k === 'ok'),
      'the healthy route never failed',
    );
    assert.equal(upstream.hits('/routes/up'), 200);
    // The first wave's 20 calls are in flight together: until the window holds 20 outcomes
    // (all failures) some retries go out; once it opens, every later attempt is refused unsent.
    assert.ok(afterFirstWave >= 20 && afterFirstWave < 20 + 20, `first wave sent ${afterFirstWave}`);
    assert.equal(upstream.hits('/routes/down'), afterFirstWave, 'nothing reached the failing route after it opened');
    assert.ok(
      outcomes.down.slice(20).every((k) => k === 'circuit_open'),
      'every later call failed fast',
    );
  });
});
