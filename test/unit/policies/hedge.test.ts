import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { HEDGE_MIN_SAMPLES, HEDGE_SAMPLES, hedge, percentileOf } from '../../../src/policies/hedging/hedge.js';
import { retryBudget } from '../../../src/policies/retryBudget/retryBudget.js';
import { composePolicies } from '../../../src/policies/composePolicies.js';
import type { HedgePlan, Policy } from '../../../src/types/policy.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { recordingDiagnostics } from '../helpers/recordingDiagnostics.js';
import { attemptInfo, buildPolicy } from './policyHarness.js';

const context = (attempt: number, hedge?: true) => attemptInfo({ attempt, ...(hedge === undefined ? {} : { hedge }) });

/** The plan a client of `upstream` built with `policy` gets for an attempt. */
function planFor(policy: Policy, upstream = 'a'): HedgePlan {
  const plan = buildPolicy(policy, { upstream }).hooks.hedge?.(attemptInfo({ upstream }));
  assert.ok(plan, 'a hedge plan');
  return plan;
}

/** The delay rule as one client per upstream sees it: its plan's delay, and the answers it hears. */
function rule(policy: Policy) {
  const plans = new Map<string, HedgePlan>();
  const of = (upstream: string) => plans.get(upstream) ?? plans.set(upstream, planFor(policy, upstream)).get(upstream)!;
  return {
    record: (upstream: string, latencyMs: number) => of(upstream).answered?.(latencyMs),
    delayFor: (upstream: string) => of(upstream).delayMs,
    maxHedges: () => of('a').maxHedges,
  };
}

describe('hedge(): the delay rule', () => {
  it('a fixed delay is the same for every upstream, whatever it answered', () => {
    const policy = rule(hedge({ delayMs: 40 }));
    for (let i = 0; i < 50; i++) policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 40);
    assert.equal(policy.delayFor('b'), 40);
    assert.equal(policy.maxHedges(), 1);
  });

  it('maxHedges 0 gives no plan: the attempt is not raced', () => {
    assert.equal(buildPolicy(hedge({ delayMs: 40, maxHedges: 0 })).hooks.hedge?.(attemptInfo()), undefined);
    assert.equal(planFor(hedge({ delayMs: 40, maxHedges: 3 })).maxHedges, 3);
  });

  it('a percentile delay uses initialMs (clamped) until enough answers are in', () => {
    const policy = rule(hedge({ delayMs: { percentile: 95, max: 300 } }));
    assert.equal(policy.delayFor('a'), 300, 'initialMs 1000 clamped to max');
    for (let i = 0; i < HEDGE_MIN_SAMPLES - 1; i++) policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 300);
    policy.record('a', 5);
    assert.equal(policy.delayFor('a'), 5);
    assert.equal(rule(hedge({ delayMs: { percentile: 50, initialMs: 70 } })).delayFor('a'), 70);
  });

  it('is the nearest-rank percentile of the upstream’s answers, per upstream', () => {
    const policy = rule(hedge({ delayMs: { percentile: 90 } }));
    // 1..100 ms: the 90th percentile is 90.
    for (let ms = 1; ms <= 100; ms++) policy.record('a', ms);
    for (let i = 0; i < 100; i++) policy.record('b', 7);
    assert.equal(policy.delayFor('a'), 90);
    assert.equal(policy.delayFor('b'), 7);
  });

  it('keeps only the last HEDGE_SAMPLES answers: the delay follows the upstream', () => {
    const policy = rule(hedge({ delayMs: { percentile: 95 } }));
    for (let i = 0; i < HEDGE_SAMPLES; i++) policy.record('a', 200);
    assert.equal(policy.delayFor('a'), 200);
    for (let i = 0; i < HEDGE_SAMPLES; i++) policy.record('a', 10);
    assert.equal(policy.delayFor('a'), 10);
  });

  it('is clamped to [min, max]', () => {
    const low = rule(hedge({ delayMs: { percentile: 50, min: 20 } }));
    const high = rule(hedge({ delayMs: { percentile: 50, max: 30 } }));
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
    // Floor: 1 per second over 1 s = 1 token; ratio 0.5 of first attempts.
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 1, windowMs: 1000 });
    const { hooks, clock } = buildPolicy(budget);
    assert.equal(hooks.beforeAttempt?.(context(1)), undefined);
    assert.equal(hooks.beforeAttempt?.(context(1)), undefined);
    assert.equal(budget.available('upstream'), 2);
    assert.equal(hooks.beforeAttempt?.(context(2, true)), undefined);
    assert.equal(hooks.beforeAttempt?.(context(2, true)), undefined);
    assert.equal(budget.available('upstream'), 0);
    const refused = hooks.beforeAttempt?.(context(2, true));
    assert.equal(refused?.code, 'HEDGE_BUDGET_EXHAUSTED');
    // A retry's attempt is not a hedge: beforeAttempt lets it go (afterFailure is where it pays).
    assert.equal(hooks.beforeAttempt?.(context(3)), undefined);
    clock.advance(2000);
    assert.equal(hooks.beforeAttempt?.(context(2, true)), undefined, 'the window moved on');
  });

  it("an outer policy's refusal stops the hedge before the budget spends anything", () => {
    const refusing: Policy = {
      name: 'refusing',
      build: () => ({ beforeAttempt: () => ({ kind: 'circuit_open', code: 'X', message: 'open' }) }),
    };
    const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 1000 });
    const setup = { upstream: 'upstream', clock: fakeClock(0), diagnostics: recordingDiagnostics().diagnostics };
    const list = composePolicies([refusing, budget], setup);
    const before = budget.available('upstream');
    assert.equal(list.beforeAttempt(context(2, true), String)?.kind, 'circuit_open');
    assert.equal(budget.available('upstream'), before);
  });

  it('without a retryBudget in the list a hedge pays from its own budget; with one, from that one only', () => {
    // Own budget: a floor of 1 per second over the default 10 s window, ratio 0.
    const alone = buildPolicy(hedge({ delayMs: 10, budget: { ratio: 0, minRetriesPerSecond: 0.1 } })).hooks;
    assert.equal(alone.beforeAttempt?.(context(1)), undefined, 'a first attempt is counted, never refused');
    assert.equal(alone.beforeAttempt?.(context(2, true)), undefined, 'the one hedge of the floor');
    assert.equal(alone.beforeAttempt?.(context(3, true))?.code, 'HEDGE_BUDGET_EXHAUSTED');
    const priced = buildPolicy(hedge({ delayMs: 10, budget: { ratio: 0, minRetriesPerSecond: 0.1 } }), {
      policies: ['retry', 'retryBudget', 'hedge'],
    }).hooks;
    assert.equal(priced.beforeAttempt, undefined, 'the retryBudget of the list prices hedges');
  });
});
