import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  circuitBreaker,
  exponentialBackoff,
  type Failure,
  noRetry,
  type RetryContext,
  type RetryVerdict,
  retryBudget,
} from '../../../src/index.js';
import { retryContext, serverError } from '../../helpers/retryContext.js';

const context = retryContext;

async function verdict(strategy: { nextDelay: (c: RetryContext) => unknown }, c: RetryContext): Promise<RetryVerdict> {
  return (await strategy.nextDelay(c)) as RetryVerdict;
}

describe('exponentialBackoff', () => {
  it("'none' doubles from baseDelayMs up to maxDelayMs", async () => {
    const s = exponentialBackoff({
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 'none',
    });
    const delays = [];
    for (let attempt = 1; attempt <= 6; attempt++) delays.push((await verdict(s, context({ attempt }))).delayMs);
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  });

  it("'full' spreads over [0, exponential]; 'equal' over [half, exponential]", async () => {
    const low = { random: () => 0 };
    const high = { random: () => 0.999999 };
    const base = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 10_000 };
    assert.equal(
      (await verdict(exponentialBackoff({ ...base, ...low, jitter: 'full' }), context({ attempt: 3 }))).delayMs,
      0,
    );
    assert.equal(
      (await verdict(exponentialBackoff({ ...base, ...high, jitter: 'full' }), context({ attempt: 3 }))).delayMs,
      400,
    );
    assert.equal(
      (await verdict(exponentialBackoff({ ...base, ...low, jitter: 'equal' }), context({ attempt: 3 }))).delayMs,
      200,
    );
    assert.equal(
      (await verdict(exponentialBackoff({ ...base, ...high, jitter: 'equal' }), context({ attempt: 3 }))).delayMs,
      400,
    );
  });

  it("'decorrelated' grows from the previous delay, capped", async () => {
    const s = exponentialBackoff({
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 'decorrelated',
      random: () => 0.999999,
    });
    assert.equal((await verdict(s, context({ attempt: 2, previousDelayMs: 200 }))).delayMs, 600);
    assert.equal((await verdict(s, context({ attempt: 3, previousDelayMs: 600 }))).delayMs, 1000);
  });

  it('honours Retry-After, says so, and gives up past maxRetryAfterMs', async () => {
    const s = exponentialBackoff({ maxRetryAfterMs: 10_000 });
    const throttled: Failure = {
      kind: 'throttled',
      code: '429',
      status: 429,
      message: '',
      retryAfterMs: 4000,
    };
    assert.deepEqual(await verdict(s, context({ failure: throttled })), {
      delayMs: 4000,
      reason: 'retry_after',
      delaySource: 'server',
    });
    assert.deepEqual(await verdict(s, context({ failure: { ...throttled, retryAfterMs: 20_000 } })), {
      delayMs: null,
      reason: 'retry_after_too_long',
    });
    const ignoring = exponentialBackoff({
      respectRetryAfter: false,
      jitter: 'none',
      baseDelayMs: 50,
    });
    assert.equal((await verdict(ignoring, context({ failure: throttled }))).delayMs, 50);
  });

  it('stops at maxAttempts, on kinds not in retryOn, on 500, and for non-replayable requests', async () => {
    const s = exponentialBackoff({ maxAttempts: 3 });
    assert.equal((await verdict(s, context({ attempt: 3 }))).reason, 'max_attempts');
    assert.equal(
      (await verdict(s, context({ failure: { kind: 'client', code: '404', message: '' } }))).reason,
      'not_retryable',
    );
    assert.equal(
      (await verdict(s, context({ failure: { ...serverError, status: 500, code: '500' } }))).reason,
      'not_retryable',
    );
    assert.equal((await verdict(s, context({ replayable: false }))).reason, 'not_replayable');
    const refused: Failure = {
      kind: 'network',
      code: 'ECONNREFUSED',
      phase: 'connect',
      message: '',
    };
    assert.equal(
      (await verdict(s, context({ replayable: false, failure: refused }))).reason,
      'backoff',
      'connect-phase failures retry any method',
    );
    const only = exponentialBackoff({ retryOn: ['timeout'] });
    assert.equal((await verdict(only, context())).reason, 'not_retryable');
  });
});

describe('noRetry', () => {
  it('always stops', async () => {
    assert.deepEqual(await verdict(noRetry(), context()), { delayMs: null, reason: 'no_retry' });
  });
});

describe('retryBudget', () => {
  it('lets retries reach ratio × requests plus the floor, then refuses', async () => {
    let now = 0;
    const budget = retryBudget(exponentialBackoff({ maxAttempts: 100, jitter: 'none' }), {
      ratio: 0.1,
      minRetriesPerSecond: 1,
      windowMs: 10_000,
      now: () => now,
    });
    for (let i = 0; i < 100; i++) budget.beforeAttempt?.({ attempt: 1, method: 'GET', url: '', upstream: 'upstream' });
    // 100 requests × 0.1 + 1/s × 10 s = 20 retries.
    let allowed = 0;
    for (let i = 0; i < 50; i++) if ((await verdict(budget, context())).delayMs !== null) allowed++;
    assert.equal(allowed, 20);
    assert.equal((await verdict(budget, context())).reason, 'retry_budget_exhausted');
    now += 11_000; // the window moves on: the floor is back
    assert.equal(budget.available(), 10);
  });

  it('passes the inner verdict through when it stops anyway', async () => {
    const budget = retryBudget(noRetry());
    assert.equal((await verdict(budget, context())).reason, 'no_retry');
  });
});

describe('circuitBreaker', () => {
  it('opens after the threshold, fails fast, half-opens after the wait, closes on success', async () => {
    let now = 0;
    const states: string[] = [];
    const breaker = circuitBreaker(noRetry(), {
      failureThreshold: 3,
      halfOpenAfterMs: 1000,
      now: () => now,
      onStateChange: (s) => states.push(s),
    });
    const attempt = { attempt: 1, method: 'GET', url: '', upstream: 'upstream' };
    for (let i = 0; i < 2; i++) {
      assert.equal(breaker.beforeAttempt?.(attempt), undefined);
      await breaker.nextDelay(context());
    }
    assert.equal(breaker.state, 'closed');
    breaker.beforeAttempt?.(attempt);
    assert.equal((await verdict(breaker, context())).reason, 'circuit_opened');
    assert.equal(breaker.state, 'open');
    const refusal = breaker.beforeAttempt?.(attempt) as Failure;
    assert.equal(refusal.kind, 'circuit_open');
    now += 1000;
    assert.equal(breaker.beforeAttempt?.(attempt), undefined, 'one trial goes through');
    assert.equal(breaker.state, 'half-open');
    assert.equal((breaker.beforeAttempt!(attempt) as Failure).kind, 'circuit_open', 'only one trial at a time');
    breaker.onSuccess?.({ ...attempt, status: 200, elapsedMs: 1 });
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'closed']);
  });

  it('a failed trial opens it again; client errors do not count', async () => {
    let now = 0;
    const breaker = circuitBreaker(noRetry(), {
      failureThreshold: 1,
      halfOpenAfterMs: 100,
      now: () => now,
    });
    const attempt = { attempt: 1, method: 'GET', url: '', upstream: 'upstream' };
    await breaker.nextDelay(context({ failure: { kind: 'client', code: '404', message: '' } }));
    assert.equal(breaker.state, 'closed');
    await breaker.nextDelay(context());
    assert.equal(breaker.state, 'open');
    now += 100;
    breaker.beforeAttempt?.(attempt);
    await breaker.nextDelay(context());
    assert.equal(breaker.state, 'open');
  });
});

describe('policies keep state per upstream', () => {
  it('one upstream opening its circuit leaves another closed; events name the key', () => {
    const changes: string[] = [];
    const breaker = circuitBreaker(noRetry(), { failureThreshold: 1, halfOpenAfterMs: 1000, now: () => 0 });
    const listener = breaker.onStateChange(({ key, state, previous }) => changes.push(`${key}:${previous}->${state}`));
    breaker.nextDelay(context({ upstream: 'payments' }));
    assert.equal(breaker.stateOf('payments'), 'open');
    assert.equal(breaker.stateOf('inventory'), 'closed');
    const attempt = { attempt: 1, method: 'GET', url: '', upstream: 'inventory' };
    assert.equal(breaker.beforeAttempt?.(attempt), undefined, 'a healthy upstream is not blacked out');
    assert.equal((breaker.beforeAttempt?.({ ...attempt, upstream: 'payments' }) as Failure).kind, 'circuit_open');
    assert.deepEqual(changes, ['payments:closed->open']);
    listener.dispose();
    breaker.onSuccess?.({ ...attempt, upstream: 'payments', status: 200, elapsedMs: 1 });
    assert.deepEqual(changes, ['payments:closed->open'], 'a disposed listener hears nothing more');
    assert.deepEqual([...breaker.states()].sort(), [
      ['inventory', 'closed'],
      ['payments', 'closed'],
    ]);
  });

  it('a throwing listener never changes the breaker’s verdict', () => {
    const breaker = circuitBreaker(noRetry(), {
      failureThreshold: 1,
      onStateChange: () => {
        throw new Error('listener bug');
      },
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      assert.deepEqual(breaker.nextDelay(context()), { delayMs: null, reason: 'circuit_opened' });
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(breaker.stateOf('upstream'), 'open');
  });

  it('each upstream has its own retry budget', () => {
    const budget = retryBudget(exponentialBackoff({ maxAttempts: 100, jitter: 'none' }), {
      ratio: 0,
      minRetriesPerSecond: 0.1,
      windowMs: 10_000,
      now: () => 0,
    });
    assert.notEqual((budget.nextDelay(context({ upstream: 'a' })) as RetryVerdict).delayMs, null);
    assert.equal((budget.nextDelay(context({ upstream: 'a' })) as RetryVerdict).reason, 'retry_budget_exhausted');
    assert.notEqual(
      (budget.nextDelay(context({ upstream: 'b' })) as RetryVerdict).delayMs,
      null,
      'b still has its floor',
    );
  });

  it('wrappers stay synchronous when what they wrap is', () => {
    const chain = retryBudget(circuitBreaker(exponentialBackoff({ jitter: 'none' })));
    const decision = chain.nextDelay(context());
    assert.ok(!(decision instanceof Promise), 'no promise for a synchronous chain');
    assert.deepEqual(decision, { delayMs: 200, reason: 'backoff', delaySource: 'backoff' });
    const slow = retryBudget({ nextDelay: async () => 5 });
    assert.ok(slow.nextDelay(context()) instanceof Promise);
  });
});
