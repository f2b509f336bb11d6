// The built-in policies' hooks, built as a client builds them (`policy.build(context)`):
// retry's backoff and its verdicts, the retry budget, the consecutive circuit breaker, and
// the state each keeps per upstream. (0.1: the RetryStrategy decorators' nextDelay.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circuitBreaker, type Failure, retry, retryBudget } from '../../../src/index.js';
import { composePolicies } from '../../../src/policies/composePolicies.js';
import { type FailedAttempt, type Policy, UNDECIDED, type Verdict } from '../../../src/types/policy.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { recordingDiagnostics } from '../helpers/recordingDiagnostics.js';
import {
  attemptInfo,
  buildPolicy,
  failedAttempt as context,
  serverError,
  succeededAttempt,
  verdictOf,
} from './policyHarness.js';

/** retry's verdict for a failed attempt, nothing having decided before it. */
function verdict(policy: Policy, failed: FailedAttempt): Verdict {
  return verdictOf(buildPolicy(policy).hooks, failed);
}

/** A wait as retry gives it, for the policies after it. */
const backoff = (delayMs: number): Verdict => ({ delayMs, reason: 'backoff', delaySource: 'backoff' });

describe('retry', () => {
  it("'none' doubles from baseDelayMs up to maxDelayMs", () => {
    const s = retry({
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 'none',
    });
    const delays = [];
    for (let attempt = 1; attempt <= 6; attempt++) delays.push(verdict(s, context({ attempt })).delayMs);
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  });

  it("'full' spreads over [0, exponential]; 'equal' over [half, exponential]", () => {
    const low = { random: () => 0 };
    const high = { random: () => 0.999999 };
    const base = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 10_000 };
    assert.equal(verdict(retry({ ...base, ...low, jitter: 'full' }), context({ attempt: 3 })).delayMs, 0);
    assert.equal(verdict(retry({ ...base, ...high, jitter: 'full' }), context({ attempt: 3 })).delayMs, 400);
    assert.equal(verdict(retry({ ...base, ...low, jitter: 'equal' }), context({ attempt: 3 })).delayMs, 200);
    assert.equal(verdict(retry({ ...base, ...high, jitter: 'equal' }), context({ attempt: 3 })).delayMs, 400);
  });

  it("'decorrelated' grows from the previous delay, capped", () => {
    const s = retry({
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 'decorrelated',
      random: () => 0.999999,
    });
    assert.equal(verdict(s, context({ attempt: 2, previousDelayMs: 200 })).delayMs, 600);
    assert.equal(verdict(s, context({ attempt: 3, previousDelayMs: 600 })).delayMs, 1000);
  });

  it('honours Retry-After, says so, and gives up past maxRetryAfterMs', () => {
    const s = retry({ maxRetryAfterMs: 10_000 });
    const throttled: Failure = {
      kind: 'throttled',
      code: '429',
      status: 429,
      message: '',
      retryAfterMs: 4000,
    };
    assert.deepEqual(verdict(s, context({ failure: throttled })), {
      delayMs: 4000,
      reason: 'retry_after',
      delaySource: 'server',
    });
    assert.deepEqual(verdict(s, context({ failure: { ...throttled, retryAfterMs: 20_000 } })), {
      delayMs: null,
      reason: 'retry_after_too_long',
    });
    const ignoring = retry({
      respectRetryAfter: false,
      jitter: 'none',
      baseDelayMs: 50,
    });
    assert.equal(verdict(ignoring, context({ failure: throttled })).delayMs, 50);
  });

  it('stops at maxAttempts, on kinds not in retryOn, on 500, and for non-replayable requests', () => {
    const s = retry({ maxAttempts: 3 });
    assert.equal(verdict(s, context({ attempt: 3 })).reason, 'max_attempts');
    assert.equal(
      verdict(s, context({ failure: { kind: 'client', code: '404', message: '' } })).reason,
      'not_retryable',
    );
    assert.equal(
      verdict(s, context({ failure: { ...serverError, status: 500, code: '500' } })).reason,
      'not_retryable',
    );
    assert.equal(verdict(s, context({ replayable: false })).reason, 'not_replayable');
    const refused: Failure = {
      kind: 'network',
      code: 'ECONNREFUSED',
      phase: 'connect',
      message: '',
    };
    assert.equal(
      verdict(s, context({ replayable: false, failure: refused })).reason,
      'backoff',
      'connect-phase failures retry any method',
    );
    const only = retry({ retryOn: ['timeout'] });
    assert.equal(verdict(only, context()).reason, 'not_retryable');
  });

  it('decides only when nothing has: a verdict given by a policy outside it stands', () => {
    // 0.1's noRetry() is the fold's start (`no_retry`) with no retry in the list.
    const { hooks } = buildPolicy(retry({ jitter: 'none' }));
    assert.deepEqual(verdictOf(hooks, context(), UNDECIDED), backoff(200));
    for (const outer of [
      { delayMs: null, reason: 'circuit_opened' },
      { delayMs: null, reason: 'no_retry' },
      backoff(7),
    ] as const)
      assert.equal(verdictOf(hooks, context(), outer), outer, `${outer.reason} stands`);
  });
});

describe('retryBudget', () => {
  it('lets retries reach ratio × requests plus the floor, then refuses', () => {
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 1, windowMs: 10_000 });
    const { hooks, clock } = buildPolicy(budget);
    for (let i = 0; i < 100; i++) assert.equal(hooks.beforeAttempt?.(attemptInfo()), undefined);
    // 100 requests × 0.1 + 1/s × 10 s = 20 retries.
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (verdictOf(hooks, context(), backoff(100)).delayMs !== null) allowed++;
    assert.equal(allowed, 20);
    assert.deepEqual(verdictOf(hooks, context(), backoff(100)), { delayMs: null, reason: 'retry_budget_exhausted' });
    assert.equal(budget.available('upstream'), 0);
    clock.advance(11_000); // the window moves on: the floor is back
    assert.equal(budget.available('upstream'), 10);
  });

  it('passes the verdict through when it stops anyway, and counts no retry for it', () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000 });
    const { hooks } = buildPolicy(budget);
    assert.equal(verdictOf(hooks, context()), UNDECIDED);
    const stop = { delayMs: null, reason: 'max_attempts' };
    assert.equal(verdictOf(hooks, context(), stop), stop);
    assert.equal(budget.available('upstream'), 1, 'the one retry of the floor is left');
  });

  it('a hedge pays like a retry and is refused unsent once the budget is spent; a retry never is', () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000 });
    const { hooks } = buildPolicy(budget);
    assert.equal(hooks.beforeAttempt?.(attemptInfo({ attempt: 2 })), undefined, 'a retry is priced after its failure');
    assert.equal(hooks.beforeAttempt?.(attemptInfo({ attempt: 2, hedge: true })), undefined, 'the one hedge');
    const refused = hooks.beforeAttempt?.(attemptInfo({ attempt: 3, hedge: true }));
    assert.equal(refused?.kind, 'throttled');
    assert.equal(refused?.code, 'HEDGE_BUDGET_EXHAUSTED');
    assert.equal(verdictOf(hooks, context(), backoff(5)).reason, 'retry_budget_exhausted');
  });
});

describe('circuitBreaker', () => {
  it('opens after the threshold, fails fast, half-opens after the break, closes on success', () => {
    const states: string[] = [];
    const breaker = circuitBreaker({
      failureThreshold: 3,
      breakDurationMs: 1000,
      onStateChange: (s) => states.push(s),
    });
    const { hooks, clock } = buildPolicy(breaker);
    const attempt = attemptInfo();
    for (let i = 0; i < 2; i++) {
      assert.equal(hooks.beforeAttempt?.(attempt), undefined);
      assert.equal(verdictOf(hooks, context()), UNDECIDED);
    }
    assert.equal(breaker.stateOf('upstream'), 'closed');
    hooks.beforeAttempt?.(attempt);
    assert.equal(verdictOf(hooks, context()).reason, 'circuit_opened');
    assert.equal(breaker.stateOf('upstream'), 'open');
    const refusal = hooks.beforeAttempt?.(attempt);
    assert.equal(refusal?.kind, 'circuit_open');
    assert.deepEqual(verdictOf(hooks, context({ failure: refusal! })), { delayMs: null, reason: 'circuit_open' });
    clock.advance(1000);
    assert.equal(hooks.beforeAttempt?.(attempt), undefined, 'one trial goes through');
    assert.equal(breaker.stateOf('upstream'), 'half-open');
    assert.equal(hooks.beforeAttempt?.(attempt)?.kind, 'circuit_open', 'only one trial at a time');
    hooks.onSuccess?.(succeededAttempt());
    assert.equal(breaker.stateOf('upstream'), 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'closed']);
  });

  it('a failed trial opens it again; client errors do not count', () => {
    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 100 });
    const { hooks, clock } = buildPolicy(breaker);
    verdictOf(hooks, context({ failure: { kind: 'client', code: '404', message: '' } }));
    assert.equal(breaker.stateOf('upstream'), 'closed');
    verdictOf(hooks, context());
    assert.equal(breaker.stateOf('upstream'), 'open');
    clock.advance(100);
    hooks.beforeAttempt?.(attemptInfo());
    verdictOf(hooks, context());
    assert.equal(breaker.stateOf('upstream'), 'open');
  });

  it('turns a wait given by a policy outside it into a stop when its failure opens the circuit', () => {
    const { hooks } = buildPolicy(circuitBreaker({ failureThreshold: 2 }));
    assert.deepEqual(verdictOf(hooks, context(), backoff(50)), backoff(50));
    assert.deepEqual(verdictOf(hooks, context(), backoff(50)), { delayMs: null, reason: 'circuit_opened' });
  });
});

describe('policies keep state per upstream', () => {
  it('one upstream opening its circuit leaves another closed; events name the key', () => {
    const changes: string[] = [];
    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 1000 });
    // Two clients given the same breaker: one per upstream.
    const payments = buildPolicy(breaker, { upstream: 'payments' }).hooks;
    const inventory = buildPolicy(breaker, { upstream: 'inventory' }).hooks;
    const listener = breaker.onStateChange(({ key, state, previous }) => changes.push(`${key}:${previous}->${state}`));
    verdictOf(payments, context({ upstream: 'payments' }));
    assert.equal(breaker.stateOf('payments'), 'open');
    assert.equal(breaker.stateOf('inventory'), 'closed');
    assert.equal(inventory.beforeAttempt?.(attemptInfo({ upstream: 'inventory' })), undefined, 'not blacked out');
    assert.equal(payments.beforeAttempt?.(attemptInfo({ upstream: 'payments' }))?.kind, 'circuit_open');
    assert.deepEqual(changes, ['payments:closed->open']);
    listener.dispose();
    payments.onSuccess?.(succeededAttempt({ upstream: 'payments' }));
    assert.deepEqual(changes, ['payments:closed->open'], 'a disposed listener hears nothing more');
    assert.deepEqual(
      [...breaker.circuits()].sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'inventory', upstream: 'inventory', route: undefined, state: 'closed' },
        { key: 'payments', upstream: 'payments', route: undefined, state: 'closed' },
      ],
    );
  });

  it('a throwing listener never changes the breaker’s verdict: it is reported', () => {
    const breaker = circuitBreaker({
      failureThreshold: 1,
      onStateChange: () => {
        throw new Error('listener bug');
      },
    });
    const { hooks, recorded } = buildPolicy(breaker);
    assert.deepEqual(verdictOf(hooks, context()), { delayMs: null, reason: 'circuit_opened' });
    assert.equal(breaker.stateOf('upstream'), 'open');
    assert.deepEqual(recorded.whats(), ['circuit breaker listener']);
    assert.match(String(recorded.reports[0]?.meta['error']), /listener bug/);
  });

  it('each upstream has its own retry budget', () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000 });
    const a = buildPolicy(budget, { upstream: 'a' }).hooks;
    const b = buildPolicy(budget, { upstream: 'b' }).hooks;
    assert.notEqual(verdictOf(a, context({ upstream: 'a' }), backoff(1)).delayMs, null);
    assert.equal(verdictOf(a, context({ upstream: 'a' }), backoff(1)).reason, 'retry_budget_exhausted');
    assert.notEqual(verdictOf(b, context({ upstream: 'b' }), backoff(1)).delayMs, null, 'b still has its floor');
    assert.equal(budget.available('a'), 0);
    assert.equal(budget.available('b'), 0);
  });

  it('a list stays synchronous when every policy is; one async policy makes it a promise', async () => {
    const setup = { upstream: 'upstream', clock: fakeClock(0), diagnostics: recordingDiagnostics().diagnostics };
    const chain = composePolicies([retry({ jitter: 'none' }), retryBudget(), circuitBreaker()], setup);
    const decision = chain.afterFailure(context(), String);
    assert.ok(!(decision instanceof Promise), 'no promise for a synchronous list');
    assert.deepEqual(decision, backoff(200));
    const slow: Policy = { name: 'slow', build: () => ({ afterFailure: async () => backoff(5) }) };
    const later = composePolicies([slow, retryBudget()], setup).afterFailure(context(), String);
    assert.ok(later instanceof Promise);
    assert.deepEqual(await later, backoff(5));
  });
});
