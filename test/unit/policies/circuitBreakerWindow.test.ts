import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circuitBreaker, type CircuitBreakerOptions, ConfigError } from '../../../src/index.js';
import { type FailedAttempt, UNDECIDED, type Verdict } from '../../../src/types/policy.js';
import { SamplingWindow } from '../../../src/policies/circuitBreaker/samplingWindow.js';
import { attemptInfo, buildPolicy, failedAttempt, succeededAttempt } from './policyHarness.js';

/** A breaker built on a fake clock, with helpers that feed it outcomes as the pipeline does. */
function harness(options: CircuitBreakerOptions) {
  const changes: string[] = [];
  const breaker = circuitBreaker(options);
  const { hooks, clock: fake } = buildPolicy(breaker);
  breaker.onStateChange(({ key, previous, state }) => changes.push(`${key}:${previous}->${state}`));
  // The time the test sets, on the breaker's clock.
  const clock = {
    get now() {
      return fake.now();
    },
    set now(at: number) {
      fake.advance(at - fake.now());
    },
  };
  const where = (route?: string) => (route === undefined ? {} : { route });
  return {
    clock,
    changes,
    breaker,
    state: (route?: string) => breaker.stateOf('upstream', route),
    admit: (route?: string) => hooks.beforeAttempt?.(attemptInfo(where(route))),
    fail: (times = 1, extra: Partial<FailedAttempt> = {}) => {
      let verdict: Verdict | undefined;
      for (let i = 0; i < times; i++) verdict = hooks.afterFailure!(failedAttempt(extra), UNDECIDED) as Verdict;
      return verdict;
    },
    succeed: (times = 1, extra: { durationMs?: number; route?: string } = {}) => {
      for (let i = 0; i < times; i++) hooks.onSuccess?.(succeededAttempt(extra));
    },
    hooks,
  };
}

describe('SamplingWindow', () => {
  it('counts calls, failures and slow calls, and lets buckets older than the window fall out', () => {
    const window = new SamplingWindow(1000);
    window.record(0, true, false);
    window.record(50, false, true);
    window.record(950, true, true);
    assert.deepEqual([window.calls, window.failures, window.slow], [3, 2, 2]);
    // At 1000 the bucket [0, 100) is out; [900, 1000) is still in.
    window.slide(1000);
    assert.deepEqual([window.calls, window.failures, window.slow], [1, 1, 1]);
    window.slide(1950);
    assert.deepEqual([window.calls, window.failures, window.slow], [0, 0, 0]);
    window.record(5000, true, false);
    window.slide(4000);
    assert.deepEqual([window.calls, window.failures], [1, 1], 'a clock that steps back keeps the newest bucket');
    window.reset();
    assert.equal(window.calls, 0);
  });
});

describe('SamplingWindow and circuits when the clock steps back', () => {
  it('a step back of more than the window forgets the counts instead of keeping them until the clock catches up', () => {
    const window = new SamplingWindow(1000);
    window.record(5000, true, false);
    window.record(3000, false, false);
    assert.deepEqual([window.calls, window.failures], [1, 0]);
    window.slide(3950);
    assert.deepEqual([window.calls, window.failures], [1, 0], 'the window runs on from the new time');
  });

  it('failures from before a long step back do not trip the ratio', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 10, samplingWindowMs: 10_000 });
    h.clock.now = 3_600_000;
    h.fail(9);
    h.clock.now = 0; // the system clock was an hour fast and is set right
    h.fail();
    assert.equal(h.state(), 'closed', 'one call in the last 10 s');
  });

  it('an open circuit is not held open until the clock catches up: it half-opens', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 2, breakDurationMs: 1000 });
    h.clock.now = 3_600_000;
    h.fail(2);
    assert.equal(h.state(), 'open');
    h.clock.now = 0;
    assert.equal(h.admit(), undefined, 'a trial goes');
    assert.equal(h.state(), 'half-open');
  });

  it('a trial that never reported back is replaced after a step back, not an hour later', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 2, breakDurationMs: 1000 });
    h.clock.now = 3_600_000;
    h.fail(2);
    h.clock.now += 1000;
    assert.equal(h.admit(), undefined, 'the trial');
    h.clock.now = 0;
    assert.equal(h.admit(), undefined, 'a new trial');
  });
});

describe('circuitBreaker: failure ratio over a sampling window', () => {
  it('opens only once the window holds minimumThroughput calls', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 10 });
    assert.equal(h.fail(9)?.delayMs, null);
    assert.equal(h.fail(0), undefined);
    assert.equal(h.state(), 'closed', '9 of 9 failed, but 9 calls are too few');
    h.succeed();
    assert.equal(h.state(), 'open', '9 of 10 failed');
    const refusal = h.admit();
    assert.equal(refusal?.kind, 'circuit_open');
    assert.equal(refusal?.code, 'CIRCUIT_OPEN');
    assert.match(
      refusal?.message ?? '',
      /9 of 10 calls over 30000 ms failed \(threshold 50%\); retrying after 5000 ms/,
    );
  });

  it('stays closed below the ratio; opens when failures reach it', () => {
    const h = harness({ failureRatio: 0.4, minimumThroughput: 10 });
    h.succeed(7);
    h.fail(3);
    assert.equal(h.state(), 'closed', '3 of 10 is below 40%');
    assert.equal(h.fail()?.reason, 'no_retry', '4 of 11 is 36%');
    assert.equal(h.fail()?.reason, 'circuit_opened', '5 of 12 is 42%');
  });

  it('defaults as Polly v8: ratio 0.1 over 30 s with a minimum of 100 calls, 5 s break', () => {
    const h = harness({ failureRatio: 0.1 });
    h.succeed(90);
    h.fail(9);
    assert.equal(h.state(), 'closed', '99 calls');
    h.fail();
    assert.equal(h.state(), 'open', '10 of 100 failed');
    h.clock.now += 4999;
    assert.equal(h.admit()?.kind, 'circuit_open');
    h.clock.now += 1;
    assert.equal(h.admit(), undefined, 'half-open after 5 s');
    assert.equal(h.state(), 'half-open');
  });

  it('slides: failures older than the window no longer count', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 10, samplingWindowMs: 10_000 });
    h.fail(5);
    h.clock.now = 10_000;
    h.succeed(5);
    assert.equal(h.state(), 'closed', 'the five failures fell out of the window');
    const fresh = harness({ failureRatio: 0.5, minimumThroughput: 10, samplingWindowMs: 10_000 });
    fresh.fail(5);
    fresh.clock.now = 8_999;
    fresh.succeed(5);
    assert.equal(fresh.state(), 'open', 'within the window they still count');
  });

  it('client errors and throttling are answers, not failures; circuit_open refusals are not counted', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 4 });
    h.fail(2, { failure: { kind: 'client', code: '404', status: 404, message: '' } });
    h.fail(1, { failure: { kind: 'circuit_open', code: 'CIRCUIT_OPEN', message: '' } });
    h.fail(1);
    assert.equal(h.state(), 'closed', '1 of 3 counted calls failed');
    h.fail(1);
    assert.equal(h.state(), 'open', '2 of 4');
  });

  it('a call still in flight when the circuit opened neither closes nor extends it', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 2, breakDurationMs: 1000 });
    h.fail(2);
    assert.equal(h.state(), 'open');
    h.succeed();
    assert.equal(h.state(), 'open');
    h.clock.now = 999;
    h.fail();
    h.clock.now = 1000;
    assert.equal(h.admit(), undefined, 'the break was not extended');
  });

  it('the consecutive rule stays on beside the ratio when failureThreshold is given', () => {
    const h = harness({ failureRatio: 0.9, minimumThroughput: 100, failureThreshold: 3 });
    h.fail(3);
    assert.equal(h.state(), 'open');
    assert.match(h.admit()?.message ?? '', /3 consecutive failures/);
    const ratioOnly = harness({ failureRatio: 0.9, minimumThroughput: 100 });
    ratioOnly.fail(20);
    assert.equal(ratioOnly.state(), 'closed', 'without failureThreshold only the window rules decide');
  });
});

describe('circuitBreaker: slow calls', () => {
  it('counts a success slower than slowCallMs as slow; the slow ratio opens the circuit', () => {
    const h = harness({ slowCallMs: 100, slowCallRatio: 0.5, minimumThroughput: 4 });
    h.succeed(2, { durationMs: 100 });
    h.succeed(1, { durationMs: 101 });
    assert.equal(h.state(), 'closed', 'exactly slowCallMs is not slower');
    h.succeed(1, { durationMs: 250 });
    assert.equal(h.state(), 'open', '2 of 4 calls were slow');
    assert.match(h.admit()?.message ?? '', /2 of 4 calls over 30000 ms took longer than 100 ms \(threshold 50%\)/);
  });

  it('a slow failure counts as failed and slow; slowCallRatio defaults to every call', () => {
    const h = harness({ slowCallMs: 100, failureRatio: 1, minimumThroughput: 3 });
    h.fail(1, { durationMs: 500 });
    h.succeed(1, { durationMs: 500 });
    h.succeed(1, { durationMs: 5 });
    assert.equal(h.state(), 'closed', '2 of 3 slow is below 100%');
    const all = harness({ slowCallMs: 100, failureRatio: 1, minimumThroughput: 3 });
    all.fail(1, { durationMs: 500 });
    all.succeed(2, { durationMs: 500 });
    assert.equal(all.state(), 'open');
  });

  it('without slowCallMs, durations do not matter', () => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 2 });
    h.succeed(5, { durationMs: 60_000 });
    assert.equal(h.state(), 'closed');
  });
});

describe('circuitBreaker: half-open trials and the break', () => {
  const opened = (options: CircuitBreakerOptions) => {
    const h = harness({ failureRatio: 0.5, minimumThroughput: 2, breakDurationMs: 1000, ...options });
    h.fail(2);
    assert.equal(h.state(), 'open');
    h.clock.now += 1000;
    return h;
  };

  it('lets halfOpenTrials trials through and closes when every one succeeded', () => {
    const h = opened({ halfOpenTrials: 3 });
    const hedge = h.hooks.beforeAttempt?.(attemptInfo({ attempt: 2, hedge: true }));
    assert.equal(hedge?.kind, 'circuit_open', 'a half-open circuit takes no hedges');
    for (let i = 0; i < 3; i++) assert.equal(h.admit(), undefined, `trial ${i + 1}`);
    assert.equal(h.admit()?.kind, 'circuit_open', 'a fourth is refused');
    h.succeed(2);
    assert.equal(h.state(), 'half-open');
    h.succeed();
    assert.equal(h.state(), 'closed');
    assert.deepEqual(h.changes, ['upstream:closed->open', 'upstream:open->half-open', 'upstream:half-open->closed']);
    h.fail();
    assert.equal(h.state(), 'closed', 'the window starts afresh when the circuit closes');
  });

  it('applies the failure ratio to the trials: opens again once failed trials reach it', () => {
    const h = opened({ halfOpenTrials: 4 });
    for (let i = 0; i < 4; i++) h.admit();
    h.fail();
    assert.equal(h.state(), 'half-open', '1 of 4 trials is below 50%');
    h.succeed();
    h.fail();
    assert.equal(h.state(), 'open', '2 of 4 trials failed');
    assert.match(h.admit()?.message ?? '', /2 of 4 half-open trials failed/);
    h.clock.now += 999;
    assert.equal(h.admit()?.kind, 'circuit_open', 'a new break of breakDurationMs');
    h.clock.now += 1;
    assert.equal(h.admit(), undefined);
  });

  it('a slow trial counts against the slow ratio', () => {
    const h = harness({ slowCallMs: 50, minimumThroughput: 2, breakDurationMs: 1000 });
    h.succeed(2, { durationMs: 80 });
    assert.equal(h.state(), 'open');
    h.clock.now += 1000;
    h.admit();
    h.succeed(1, { durationMs: 80 });
    assert.equal(h.state(), 'open', 'the one trial was slow');
    h.clock.now += 1000;
    h.admit();
    h.succeed(1, { durationMs: 10 });
    assert.equal(h.state(), 'closed');
  });

  it('trials that never report back are replaced after breakDurationMs', () => {
    const h = opened({ halfOpenTrials: 2 });
    h.admit();
    h.admit();
    h.clock.now += 999;
    assert.equal(h.admit()?.kind, 'circuit_open');
    h.clock.now += 1;
    assert.equal(h.admit(), undefined);
  });

  it('breakDurationMs sets the break of the consecutive rule too (0.1: halfOpenAfterMs), 30 s by default', () => {
    const short = harness({ failureThreshold: 1, breakDurationMs: 100 });
    short.fail();
    short.clock.now = 100;
    assert.equal(short.admit(), undefined);
    const old = harness({ failureThreshold: 1, breakDurationMs: 300 });
    old.fail();
    old.clock.now = 299;
    assert.equal(old.admit()?.kind, 'circuit_open');
    old.clock.now = 300;
    assert.equal(old.admit(), undefined);
    const legacy = harness({ failureThreshold: 1 });
    legacy.fail();
    legacy.clock.now = 29_999;
    assert.equal(legacy.admit()?.kind, 'circuit_open', 'the consecutive rule keeps its 30 s default');
  });
});

describe('circuitBreaker: per route', () => {
  it('a failing route opens its own circuit; the upstream’s other routes stay closed', () => {
    const h = harness({ failureRatio: 0.3, minimumThroughput: 10, perRoute: true });
    const events: unknown[] = [];
    h.breaker.onStateChange(({ key, upstream, route, state }) => events.push({ key, upstream, route, state }));
    h.succeed(7, { route: '/v1/bad' });
    h.fail(3, { route: '/v1/bad' });
    h.succeed(50, { route: '/v1/good' });
    assert.equal(h.state('/v1/bad'), 'open');
    assert.equal(h.state('/v1/good'), 'closed');
    assert.equal(h.state(), 'closed');
    assert.equal(h.admit('/v1/bad')?.kind, 'circuit_open');
    assert.equal(h.admit('/v1/good'), undefined, 'the healthy route is not blacked out');
    assert.deepEqual(events, [{ key: 'upstream /v1/bad', upstream: 'upstream', route: '/v1/bad', state: 'open' }]);
    assert.deepEqual(
      [...h.breaker.circuits()].sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'upstream /v1/bad', upstream: 'upstream', route: '/v1/bad', state: 'open' },
        { key: 'upstream /v1/good', upstream: 'upstream', route: '/v1/good', state: 'closed' },
      ],
    );
  });

  it('without perRoute every route shares the upstream’s circuit', () => {
    const h = harness({ failureRatio: 0.3, minimumThroughput: 10 });
    h.succeed(7, { route: '/v1/bad' });
    h.fail(3, { route: '/v1/bad' });
    assert.equal(h.state(), 'open');
    assert.equal(h.admit('/v1/good')?.kind, 'circuit_open');
  });
});

describe('circuitBreaker: option checks', () => {
  it('a ratio out of range is a ConfigError naming the option', () => {
    assert.throws(
      () => circuitBreaker({ failureRatio: 1.5 }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, 'circuitBreaker.failureRatio');
        return true;
      },
    );
    assert.throws(() => circuitBreaker({ halfOpenTrials: 0 }), ConfigError);
    assert.throws(() => circuitBreaker({ minimumThroughput: 2.5 }), ConfigError);
  });
});
