import { type Diagnostics, guard } from '../core/diagnostics.js';
import { isBuiltInHedge } from '../policies/hedge.js';
import type { Failure } from '../types/failure.js';
import type { HedgePolicy } from '../types/hedge.js';
import type { AttemptContext, RetryStrategy } from '../types/strategies.js';
import { callHook, checkedAnswer } from './callHook.js';
import { BUDGET_OR_NOTHING, COUNT, DELAY, FAILURE_OR_NOTHING } from './hookContracts.js';

// A budget that cannot answer refuses hedges rather than let them through unpaid.
const BUDGET_FAILED: Failure = {
  kind: 'throttled',
  code: 'HEDGE_BUDGET_UNAVAILABLE',
  message: 'The hedge budget failed',
};

/**
 * A hedging policy as the pipeline calls it. `hedge()`'s own policies are used as they are;
 * a policy the app wrote itself is wrapped so that its errors — a throw, or an answer
 * outside the contract, reported the same way — never reach the call: a `delayFor` that
 * fails means no hedge, a `maxHedges` or `budget` that fails means none, a `record` that
 * throws is skipped, a `budget.beforeAttempt` that fails refuses the hedge.
 */
export function guardHedge(policy: HedgePolicy, diagnostics: Diagnostics): HedgePolicy {
  if (isBuiltInHedge(policy)) return policy;
  const maxHedges = checkedAnswer(
    diagnostics,
    'hedge policy (maxHedges)',
    guard(diagnostics, 'hedge policy (maxHedges)', () => policy.maxHedges, 0),
    COUNT,
    0,
  );
  const budget = checkedAnswer<RetryStrategy | undefined>(
    diagnostics,
    'hedge policy (budget)',
    guard(diagnostics, 'hedge policy (budget)', () => policy.budget, undefined),
    BUDGET_OR_NOTHING,
    undefined,
  );
  const beforeAttempt = budget?.beforeAttempt;
  const guardedBudget: RetryStrategy = {
    nextDelay: () => null,
    beforeAttempt: (context) =>
      beforeAttempt === undefined
        ? undefined
        : callHook<RetryStrategy, AttemptContext, Failure | null | undefined>(
            diagnostics,
            'hedge policy (budget)',
            budget!,
            beforeAttempt,
            context,
            FAILURE_OR_NOTHING,
            context.hedge === true ? BUDGET_FAILED : undefined,
          ),
  };
  return {
    maxHedges,
    budget: guardedBudget,
    delayFor(upstream) {
      return callHook(diagnostics, 'hedge policy (delayFor)', policy, policy.delayFor, upstream, DELAY, Infinity);
    },
    record(upstream, latencyMs) {
      guard(diagnostics, 'hedge policy (record)', () => policy.record(upstream, latencyMs), undefined);
    },
  };
}
