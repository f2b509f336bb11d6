import type { RetryStrategy, RetryVerdict } from '../types.js';
import { withoutUndefined } from '../util/withoutUndefined.js';
import { normalizeDecision } from './normalizeDecision.js';

/** Options of {@link retryBudget}. */
export interface RetryBudgetOptions {
  /**
   * Retries allowed per first attempt, over the window: 0.1 means at most 10% extra
   * requests reach a failing upstream.
   * @default 0.1
   */
  readonly ratio?: number;
  /**
   * A floor of retries per second, so a quiet client can still retry.
   * @default 10
   */
  readonly minRetriesPerSecond?: number;
  /**
   * How far back requests and retries are counted.
   * @default 10000
   */
  readonly windowMs?: number;
  /** Milliseconds now; for tests. @default Date.now */
  readonly now?: () => number;
}

/** The defaults of {@link retryBudget}. */
export const defaultRetryBudgetOptions = {
  ratio: 0.1,
  minRetriesPerSecond: 10,
  windowMs: 10_000,
  now: Date.now,
} as const satisfies Required<RetryBudgetOptions>;

/** A retry strategy that also says how much of its budget is left. */
export interface RetryBudgetStrategy extends RetryStrategy {
  /** Retries the budget would still allow now. */
  available(): number;
}

const BUCKETS = 10;

/**
 * Wraps a strategy so retries stay within a budget, as Finagle, gRPC and Envoy do: over
 * a sliding window, retries may not exceed `ratio` of first attempts plus a floor of
 * `minRetriesPerSecond`. A failing upstream then sees at most that many extra requests
 * instead of a retry storm.
 *
 * @example
 * ```ts
 * const retry = retryBudget(exponentialBackoff({ maxAttempts: 4 }), { ratio: 0.1 });
 * ```
 */
export function retryBudget(inner: RetryStrategy, options: RetryBudgetOptions = {}): RetryBudgetStrategy {
  const o = { ...defaultRetryBudgetOptions, ...withoutUndefined(options) };
  const bucketMs = o.windowMs / BUCKETS;
  const requests = new Array<number>(BUCKETS).fill(0);
  const retries = new Array<number>(BUCKETS).fill(0);
  let currentBucket = Math.floor(o.now() / bucketMs);

  // Moves the window forward, emptying the buckets that fell out of it.
  const advance = (): number => {
    const bucket = Math.floor(o.now() / bucketMs);
    const steps = Math.min(BUCKETS, bucket - currentBucket);
    for (let i = 1; i <= steps; i++) {
      const index = (currentBucket + i) % BUCKETS;
      requests[index] = 0;
      retries[index] = 0;
    }
    if (bucket > currentBucket) currentBucket = bucket;
    return currentBucket % BUCKETS;
  };
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const available = (): number => {
    advance();
    const allowed = o.ratio * sum(requests) + (o.minRetriesPerSecond * o.windowMs) / 1000;
    return Math.max(0, Math.floor(allowed - sum(retries)));
  };

  const strategy: RetryBudgetStrategy = {
    available,
    beforeAttempt(context) {
      if (context.attempt === 1) {
        const index = advance();
        requests[index] = (requests[index] ?? 0) + 1;
      }
      return inner.beforeAttempt?.(context);
    },
    async nextDelay(context): Promise<RetryVerdict> {
      const verdict = normalizeDecision(await inner.nextDelay(context));
      if (verdict.delayMs === null) return verdict;
      if (available() < 1) return { delayMs: null, reason: 'retry_budget_exhausted' };
      const index = advance();
      retries[index] = (retries[index] ?? 0) + 1;
      return verdict;
    },
  };
  if (inner.onSuccess !== undefined) strategy.onSuccess = (context) => inner.onSuccess?.(context);
  return strategy;
}
