import type { Failure } from '../types/failure.js';
import type { RetryDecision, RetryStrategy, RetryVerdict } from '../types/strategies.js';
import { isPromiseLike } from '../core/promises.js';
import { withoutUndefined } from '../core/withoutUndefined.js';
import { normalizeDecision } from './normalizeDecision.js';
import { memoryStore, type StateStore } from './stateStore.js';
import { whenShared } from './sharing.js';
import { recordWrapper } from './strategyChain.js';
import { THROTTLE_HOLD } from './throttleGate.js';

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
  /**
   * Where the counts are kept, keyed per upstream.
   * @default an in-memory store
   */
  readonly store?: StateStore<BudgetRecord>;
  /** Milliseconds now; for tests. @default Date.now */
  readonly now?: () => number;
}

/** The defaults of {@link retryBudget}. */
export const defaultRetryBudgetOptions = {
  ratio: 0.1,
  minRetriesPerSecond: 10,
  windowMs: 10_000,
  now: Date.now,
} as const satisfies Required<Omit<RetryBudgetOptions, 'store'>>;

/** A budget's counts for one upstream, as its store keeps them. */
export interface BudgetRecord {
  /** First attempts per bucket of the sliding window. */
  readonly requests: number[];
  /** Retries per bucket. */
  readonly retries: number[];
  /** The bucket the window ends in. */
  currentBucket: number;
  /**
   * The other replicas' first attempts and retries over the same window, kept current by
   * shared state in the background; absent without it (or while Redis is unreachable).
   */
  fleet?: { readonly requests: number; readonly retries: number } | undefined;
}

/** A retry strategy that also says how much of its budget is left. */
export interface RetryBudgetStrategy extends RetryStrategy {
  /** Retries the budget would still allow now, for one upstream (default: the last one it saw). */
  available(upstream?: string): number;
}

const BUCKETS = 10;

/**
 * Wraps a strategy so retries stay within a budget per upstream, as Finagle, gRPC and
 * Envoy do: over a sliding window, retries may not exceed `ratio` of first attempts plus a
 * floor of `minRetriesPerSecond`. A failing upstream then sees at most that many extra
 * requests instead of a retry storm. Synchronous whenever the wrapped strategy is.
 *
 * @example
 * ```ts
 * const retry = retryBudget(exponentialBackoff({ maxAttempts: 4 }), { ratio: 0.1 });
 * ```
 */
export function retryBudget(inner: RetryStrategy, options: RetryBudgetOptions = {}): RetryBudgetStrategy {
  const o = { ...defaultRetryBudgetOptions, ...withoutUndefined(options) };
  let store = options.store ?? memoryStore<BudgetRecord>();
  const bucketMs = o.windowMs / BUCKETS;
  let lastUpstream = '';

  const recordOf = (upstream: string): BudgetRecord => {
    lastUpstream = upstream;
    let record = store.get(upstream);
    if (record === undefined) {
      record = {
        requests: new Array<number>(BUCKETS).fill(0),
        retries: new Array<number>(BUCKETS).fill(0),
        currentBucket: Math.floor(o.now() / bucketMs),
      };
      store.set(upstream, record);
    }
    return record;
  };
  // Moves the window forward, emptying the buckets that fell out of it.
  const advance = (record: BudgetRecord): number => {
    const bucket = Math.floor(o.now() / bucketMs);
    const steps = Math.min(BUCKETS, bucket - record.currentBucket);
    for (let i = 1; i <= steps; i++) {
      const index = (record.currentBucket + i) % BUCKETS;
      record.requests[index] = 0;
      record.retries[index] = 0;
    }
    if (bucket > record.currentBucket) record.currentBucket = bucket;
    return record.currentBucket % BUCKETS;
  };
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  // With shared state the ratio and the one floor are the fleet's: every replica's counts add up.
  const availableIn = (record: BudgetRecord, fleet = record.fleet): number => {
    advance(record);
    const requests = sum(record.requests) + (fleet?.requests ?? 0);
    const allowed = o.ratio * requests + (o.minRetriesPerSecond * o.windowMs) / 1000;
    return Math.max(0, Math.floor(allowed - sum(record.retries) - (fleet?.retries ?? 0)));
  };
  const spend = (upstream: string, verdict: RetryVerdict, failure: Failure): RetryVerdict => {
    // Waiting out a throttle another call learned sends nothing now: no retry to pay for.
    if (verdict.delayMs === null || failure.code === THROTTLE_HOLD) return verdict;
    const record = recordOf(upstream);
    if (availableIn(record) < 1) {
      const byFleet = record.fleet !== undefined && availableIn(record, undefined) >= 1;
      return { delayMs: null, reason: byFleet ? 'fleet_retry_budget_exhausted' : 'retry_budget_exhausted' };
    }
    const index = advance(record);
    record.retries[index] = (record.retries[index] ?? 0) + 1;
    store.set(upstream, record);
    return verdict;
  };

  const spendOnHedge = (upstream: string): Failure | undefined => {
    const record = recordOf(upstream);
    if (availableIn(record) < 1) return hedgeRefused(upstream);
    const index = advance(record);
    record.retries[index] = (record.retries[index] ?? 0) + 1;
    store.set(upstream, record);
    return undefined;
  };

  const strategy: RetryBudgetStrategy = {
    available: (upstream = lastUpstream) => availableIn(recordOf(upstream)),
    beforeAttempt(context) {
      if (context.attempt === 1) {
        const record = recordOf(context.upstream);
        const index = advance(record);
        record.requests[index] = (record.requests[index] ?? 0) + 1;
        store.set(context.upstream, record);
      }
      const refused = inner.beforeAttempt?.(context);
      // A hedge is an extra request like a retry: it pays the same way, once the inner
      // strategy (a breaker) has let it go.
      if (context.hedge !== true || (refused !== undefined && refused !== null)) return refused;
      return spendOnHedge(context.upstream);
    },
    nextDelay(context): RetryDecision | Promise<RetryDecision> {
      const decision = inner.nextDelay(context);
      const { upstream, failure } = context;
      if (!isPromiseLike(decision)) return spend(upstream, normalizeDecision(decision), failure);
      return Promise.resolve(decision).then((resolved) => spend(upstream, normalizeDecision(resolved), failure));
    },
  };
  if (inner.onSuccess !== undefined) strategy.onSuccess = (context) => inner.onSuccess?.(context);
  if (options.store === undefined)
    whenShared(strategy, (share) => {
      store = share<BudgetRecord>({ kind: 'budget', settings: { windowMs: o.windowMs, buckets: BUCKETS } });
    });
  budgets.add(strategy);
  return recordWrapper(strategy, inner);
}

const budgets = new WeakSet<RetryStrategy>();

/** True when `strategy` is a retry budget (a link of a strategy chain). */
export function isRetryBudget(strategy: RetryStrategy): boolean {
  return budgets.has(strategy);
}

/** The code of a hedge the retry budget refused (never a call's failure: the call goes on). */
export const HEDGE_BUDGET_EXHAUSTED = 'HEDGE_BUDGET_EXHAUSTED';

function hedgeRefused(upstream: string): Failure {
  return {
    kind: 'throttled',
    code: HEDGE_BUDGET_EXHAUSTED,
    message: `No retry budget left to hedge a call to ${upstream}`,
  };
}
