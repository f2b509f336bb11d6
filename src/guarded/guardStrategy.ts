import { type Diagnostics, guard, type Scrub } from '../core/diagnostics.js';
import { callHook } from './callHook.js';
import { FAILURE_OR_NOTHING } from './hookContracts.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import { normalizeDecision } from '../policies/normalizeDecision.js';
import { isRetryBudget } from '../policies/retryBudget.js';
import { strategyChain } from '../policies/strategyChain.js';
import type { Failure } from '../types/failure.js';
import type { AttemptContext, RetryContext, RetryStrategy, RetryVerdict, SuccessContext } from '../types/strategies.js';

/** A retry strategy as the pipeline calls it: none of its methods throws or rejects. */
export interface GuardedStrategy {
  /** The strategy's admission check, or undefined when it has none (the common case). */
  readonly admit: ((context: AttemptContext, scrub: Scrub) => Failure | undefined) | undefined;
  /** The verdict; synchronous when the strategy is, which spares a failure a promise. */
  decide(context: RetryContext, scrub: Scrub): RetryVerdict | Promise<RetryVerdict>;
  /** Tells the strategy of a success, or undefined when it does not listen. */
  readonly succeeded: ((context: SuccessContext, scrub: Scrub) => void) | undefined;
  /** True when a `retryBudget` is among the strategy's links: hedges draw from it. */
  readonly budgeted: boolean;
}

const guardedOf = new WeakMap<RetryStrategy, WeakMap<Diagnostics, GuardedStrategy>>();

/**
 * Wraps a user's (or built-in) strategy once, where the client is built: a `beforeAttempt`
 * that throws or answers anything but a Failure or nothing lets the attempt go, a throwing
 * `onSuccess` is ignored, and a `nextDelay` that throws, rejects or answers outside its
 * contract (see `normalizeDecision`) stops the call with reason `strategy_error` — each
 * reported through `diagnostics`. A verdict that never settles is cut off by the call's
 * signal.
 */
export function guardStrategy(strategy: RetryStrategy, diagnostics: Diagnostics): GuardedStrategy {
  let byDiagnostics = guardedOf.get(strategy);
  if (byDiagnostics === undefined) guardedOf.set(strategy, (byDiagnostics = new WeakMap()));
  let guarded = byDiagnostics.get(diagnostics);
  if (guarded === undefined) byDiagnostics.set(diagnostics, (guarded = build(strategy, diagnostics)));
  return guarded;
}

function build(strategy: RetryStrategy, diagnostics: Diagnostics): GuardedStrategy {
  const { beforeAttempt } = strategy;
  const failed = (context: RetryContext, scrub: Scrub, error: unknown): RetryVerdict => {
    if (context.signal.aborted) return { delayMs: null, reason: 'deadline' };
    diagnostics.report('retry strategy (nextDelay)', error, scrub);
    return { delayMs: null, reason: 'strategy_error' };
  };
  return {
    admit:
      beforeAttempt === undefined
        ? undefined
        : (context, scrub) =>
            callHook<RetryStrategy, AttemptContext, Failure | null | undefined>(
              diagnostics,
              'retry strategy (beforeAttempt)',
              strategy,
              beforeAttempt,
              context,
              FAILURE_OR_NOTHING,
              undefined,
              scrub,
            ) ?? undefined,
    decide(context, scrub) {
      try {
        const decision = strategy.nextDelay(context);
        if (!isPromiseLike(decision)) return normalizeDecision(decision);
        return untilAborted(decision, context.signal).then(
          (settled) => {
            try {
              return normalizeDecision(settled);
            } catch (error) {
              return failed(context, scrub, error);
            }
          },
          (error: unknown) => failed(context, scrub, error),
        );
      } catch (error) {
        return failed(context, scrub, error);
      }
    },
    succeeded:
      strategy.onSuccess === undefined
        ? undefined
        : (context, scrub) =>
            guard(diagnostics, 'retry strategy (onSuccess)', () => strategy.onSuccess?.(context), undefined, scrub),
    budgeted: isBudgeted(strategy),
  };
}

function isBudgeted(strategy: RetryStrategy): boolean {
  for (const link of strategyChain(strategy)) if (isRetryBudget(link)) return true;
  return false;
}
