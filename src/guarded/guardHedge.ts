import { type Diagnostics, guard } from '../core/diagnostics.js';
import { isBuiltInHedge } from '../policies/hedge.js';
import type { HedgePolicy } from '../types/hedge.js';
import type { RetryStrategy } from '../types/strategies.js';

/**
 * A hedging policy as the pipeline calls it. `hedge()`'s own policies are used as they are;
 * a policy the app wrote itself is wrapped so that its errors are reported and never reach
 * the call: a `delayFor` that throws (or answers no usable delay) means no hedge, a
 * `record` that throws is skipped, a `budget` that throws refuses the hedge.
 */
export function guardHedge(policy: HedgePolicy, diagnostics: Diagnostics): HedgePolicy {
  if (isBuiltInHedge(policy)) return policy;
  const maxHedges = guard(diagnostics, 'hedge policy (maxHedges)', () => policy.maxHedges, 0);
  const budget = guard(diagnostics, 'hedge policy (budget)', () => policy.budget, undefined);
  const guardedBudget: RetryStrategy = {
    nextDelay: () => null,
    beforeAttempt: (context) =>
      guard(
        diagnostics,
        'hedge policy (budget)',
        () => budget?.beforeAttempt?.(context),
        // A budget that cannot answer refuses hedges rather than let them through unpaid.
        context.hedge === true
          ? { kind: 'throttled', code: 'HEDGE_BUDGET_UNAVAILABLE', message: 'The hedge budget failed' }
          : undefined,
      ),
  };
  return {
    maxHedges: typeof maxHedges === 'number' && Number.isFinite(maxHedges) ? Math.max(0, Math.floor(maxHedges)) : 0,
    budget: guardedBudget,
    delayFor(upstream) {
      const delayMs = guard(diagnostics, 'hedge policy (delayFor)', () => policy.delayFor(upstream), Infinity);
      return typeof delayMs === 'number' && delayMs >= 0 ? delayMs : Infinity;
    },
    record(upstream, latencyMs) {
      guard(diagnostics, 'hedge policy (record)', () => policy.record(upstream, latencyMs), undefined);
    },
  };
}
