import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { HEDGE_MIN_SAMPLES, HEDGE_SAMPLES, hedge, percentileOf } from '../../../src/policies/hedge.js';
import { retryBudget } from '../../../src/policies/retryBudget.js';
import { noRetry } from '../../../src/policies/noRetry.js';

const context = (attempt: number, hedge?: true) => ({
  attempt,
  method: 'GET',
  url: 'http://upstream.test/x',
  upstream: 'upstream',
  ...(hedge === undefined ? {} : { hedge }),
});

describe('hedge(): the delay rule', () => {
  it('a fixed delay is the same for every upstream, whatever it answered', () => {
    const policy = hedge({ delayMs: 40 });
    for (let i = 0; i < 50; i++) policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 40);
    assert.equal(policy.delayFor('b'), 40);
    assert.equal(policy.maxHedges, 1);
  });

  it('a percentile delay uses initialMs (clamped) until enough answers are in', () => {
    const policy = hedge({ delayMs: { percentile: 95, max: 300 } });
    assert.equal(policy.delayFor('a'), 300, 'initialMs 1000 clamped to max');
    for (let i = 0; i < HEDGE_MIN_SAMPLES - 1; i++) policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 300);
    policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 5);
    assert.equal(hedge({ delayMs: { percentile: 50, initialMs: 70 } }).delayFor('a'), 70);
  });

  it('is the nearest-rank percentile of the upstream’s answers, per upstream', () => {
    const policy = hedge({ delayMs: { percentile: 90 } });
    // 1..100 ms: the 90th percentile is 90.
    for (let ms = 1; ms <= 100; ms++) policy.record('a', ms);
    for (let i = 0; i < 100; i++) policy.record('b', 7);
    assert.equal(policy.delayFor('a'), 90);
    assert.equal(policy.delayFor('b'), 7);
  });

  it('keeps only the last HEDGE_SAMPLES answers: the delay follows the upstream', () => {
    const policy = hedge({ delayMs: { percentile: 95 } });
    for (let i = 0; i < HEDGE_SAMPLES; i++) policy.record('a', 200);
    assert.equal(policy.delayFor('a'), 200);
    for (let i = 0; i < HEDGE_SAMPLES; i++) policy.record('a', 10);
    assert.equal(policy.delayFor('a'), 10);
  });

  it('is clamped to [min, max]', () => {
    const low = hedge({ delayMs: { percentile: 50, min: 20 } });
    const high = hedge({ delayMs: { percentile: 50, max: 30 } });
    for (let i = 0; i < 40; i++) {
      low.record('a', 5);
      high.record('a', 500);
    }
    assert.equal(low.delayFor('a'), 20);
    assert.equal(high.delayFor('a'), 30);
  });

  it('percentileOf reads a partly filled ring', () => {
    const samples = new Float64Array(HEDGE_SAMPLES);
    samples.set([30, 10, 20]);
    assert.equal(percentileOf({ samples, count: 3 }, 50), 20);
    assert.equal(percentileOf({ samples, count: 3 }, 99), 30);
    assert.equal(percentileOf({ samples, count: 3 }, 1), 10);
  });

  it('percentileOf takes the exact nearest rank (no floating-point rounding up a rank)', () => {
    const ring = (count: number) => {
      const samples = new Float64Array(HEDGE_SAMPLES);
      for (let i = 0; i < count; i++) samples[i] = i + 1;
      return { samples, count };
    };
    // 0.56 * 25 is 14.000000000000002 in floating point: rank 14, not 15.
    assert.equal(percentileOf(ring(25), 56), 14);
    assert.equal(percentileOf(ring(100), 55), 55);
    assert.equal(percentileOf(ring(125), 95.2), 119);
  });

  it('rejects options that make no sense, naming them', () => {
    const variable = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.variable;
      }
      return assert.fail('expected a ConfigError');
    };
    assert.equal(
      variable(() => hedge({ delayMs: -1 })),
      'hedge.delayMs',
    );
    assert.equal(
      variable(() => hedge({ delayMs: { percentile: 100 } })),
      'hedge.delayMs.percentile',
    );
    assert.equal(
      variable(() => hedge({ delayMs: { percentile: 90, min: 50, max: 10 } })),
      'hedge.delayMs.max',
    );
    assert.equal(
      variable(() => hedge({ delayMs: 10, maxHedges: 1.5 })),
      'hedge.maxHedges',
    );
  });
});

describe('retryBudget: hedges pay like retries', () => {
  it('a hedge spends a retry and is refused once the budget is spent; other attempts are not', () => {
    let now = 0;
    // Floor: 1 per second over 1 s = 1 token; ratio 0.5 of first attempts.
    const budget = retryBudget(noRetry(), { ratio: 0.5, minRetriesPerSecond: 1, windowMs: 1000, now: () => now });
    assert.equal(budget.beforeAttempt?.(context(1)), undefined);
    assert.equal(budget.beforeAttempt?.(context(1)), undefined);
    assert.equal(budget.available('upstream'), 2);
    assert.equal(budget.beforeAttempt?.(context(2, true)), undefined);
    assert.equal(budget.beforeAttempt?.(context(2, true)), undefined);
    assert.equal(budget.available('upstream'), 0);
    const refused = budget.beforeAttempt?.(context(2, true));
    assert.equal(refused?.code, 'HEDGE_BUDGET_EXHAUSTED');
    // A retry's attempt is not a hedge: beforeAttempt lets it go (nextDelay is where it pays).
    assert.equal(budget.beforeAttempt?.(context(3)), undefined);
    now += 2000;
    assert.equal(budget.beforeAttempt?.(context(2, true)), undefined, 'the window moved on');
  });

  it("an inner strategy's refusal stops the hedge before it spends anything", () => {
    const inner = {
      nextDelay: () => null,
      beforeAttempt: () => ({ kind: 'circuit_open' as const, code: 'X', message: 'open' }),
    };
    const budget = retryBudget(inner, { minRetriesPerSecond: 1, windowMs: 1000 });
    const before = budget.available('upstream');
    assert.equal(budget.beforeAttempt?.(context(2, true))?.kind, 'circuit_open');
    assert.equal(budget.available('upstream'), before);
  });
});
