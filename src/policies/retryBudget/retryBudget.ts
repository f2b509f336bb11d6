import type { Failure } from '../../types/failure.js';
import { withoutUndefined } from '../../core/withoutUndefined.js';
import type { AttemptInfo, FailedAttempt, Policy, PolicyContext, PolicyHooks, Verdict } from '../../types/policy.js';
import { memoryStore, type StateStore } from '../stateStore.js';
import { rejectRemoved } from '../rejectRemoved.js';
import type { StoreRequest } from '../../types/policy.js';
import { THROTTLE_HOLD } from '../throttle/throttleHold.js';
import { emptyCounts, slideCounts, type SlidingCounts, sumOf } from '../slidingCounts.js';

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
   * @default in memory (shared by the clients given this policy), or the fleet's Redis
   * when the client shares state
   */
  readonly store?: StateStore<BudgetRecord>;
}

/** The defaults of {@link retryBudget}. */
export const defaultRetryBudgetOptions = {
  ratio: 0.1,
  minRetriesPerSecond: 10,
  windowMs: 10_000,
} as const satisfies Required<Omit<RetryBudgetOptions, 'store'>>;

/**
 * A budget's counts for one upstream, as its store keeps them: first attempts (`requests`)
 * and `retries` per bucket of the sliding window, and the fleet's with shared state.
 */
export type BudgetRecord = SlidingCounts<'requests' | 'retries'>;

/** A retry budget policy, which also says how much of its budget is left. */
export interface RetryBudgetPolicy extends Policy {
  /** Retries the budget would still allow now for an upstream (of a client that built it). */
  available(upstream: string): number;
}

const BUCKETS = 10;
const FIELDS = ['requests', 'retries'] as const;

/**
 * Keeps retries (and hedges) within a budget per upstream, as Finagle, gRPC and Envoy do:
 * over a sliding window, retries may not exceed `ratio` of first attempts plus a floor of
 * `minRetriesPerSecond`. A failing upstream then sees at most that many extra requests
 * instead of a retry storm. It turns the verdict of a `retry` outside it into a stop
 * (`retry_budget_exhausted`, or `fleet_retry_budget_exhausted` when the fleet's counts ran
 * it out), so it goes after `retry` in the list; a hedge is refused unsent when the budget
 * is spent.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, resilience: [retry({ maxAttempts: 4 }), retryBudget({ ratio: 0.1 })] });
 * ```
 */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudgetPolicy {
  rejectRemoved('retryBudget', options, { now: "the client's clock option" });
  const o = { ...defaultRetryBudgetOptions, ...withoutUndefined(options) };
  const built = new Map<string, (upstream: string) => number>();
  const own = options.store ?? memoryStore<BudgetRecord>();
  const fleetRequest = shareRequest(o.windowMs);
  return {
    name: 'retryBudget',
    build(context) {
      const shared = options.store === undefined ? context.fleetStore?.<BudgetRecord>(fleetRequest) : undefined;
      const { hooks, available } = buildBudget(o, shared ?? own, context);
      built.set(context.upstream, available);
      return hooks;
    },
    available: (upstream) => built.get(upstream)?.(upstream) ?? Math.floor((o.minRetriesPerSecond * o.windowMs) / 1000),
    describe: () =>
      `retryBudget(ratio=${o.ratio}, minRetriesPerSecond=${o.minRetriesPerSecond}, windowMs=${o.windowMs})`,
  };
}

function buildBudget(
  o: Required<Omit<RetryBudgetOptions, 'store'>>,
  store: StateStore<BudgetRecord>,
  context: PolicyContext,
): { hooks: PolicyHooks; available: (upstream: string) => number } {
  const now = () => context.clock.now();
  const bucketMs = o.windowMs / BUCKETS;

  const recordOf = (upstream: string): BudgetRecord => {
    let record = store.get(upstream);
    if (record === undefined) {
      record = emptyCounts(FIELDS, BUCKETS, Math.floor(now() / bucketMs));
      store.set(upstream, record);
    }
    return record;
  };
  const advance = (record: BudgetRecord): number => slideCounts(record, FIELDS, BUCKETS, Math.floor(now() / bucketMs));
  const sum = sumOf;
  // With shared state the ratio and the one floor are the fleet's: every replica's counts add up.
  const availableIn = (record: BudgetRecord, fleet = record.fleet): number => {
    advance(record);
    const requests = sum(record.requests) + (fleet?.requests ?? 0);
    const allowed = o.ratio * requests + (o.minRetriesPerSecond * o.windowMs) / 1000;
    return Math.max(0, Math.floor(allowed - sum(record.retries) - (fleet?.retries ?? 0)));
  };
  const count = (upstream: string, record: BudgetRecord, which: 'requests' | 'retries'): void => {
    const index = advance(record);
    record[which][index] = (record[which][index] ?? 0) + 1;
    store.set(upstream, record);
  };

  const hooks: PolicyHooks = {
    beforeAttempt(attempt: AttemptInfo) {
      const record = recordOf(attempt.upstream);
      if (attempt.attempt === 1 && attempt.hedge !== true) count(attempt.upstream, record, 'requests');
      if (attempt.hedge !== true) return undefined;
      // A hedge is an extra request like a retry: it pays the same way.
      if (availableIn(record) < 1) return hedgeRefused(attempt.upstream);
      count(attempt.upstream, record, 'retries');
      return undefined;
    },
    afterFailure(failed: FailedAttempt, verdict: Verdict): Verdict {
      // Waiting out a throttle another call learned sends nothing now: no retry to pay for.
      if (verdict.delayMs === null || failed.failure.code === THROTTLE_HOLD) return verdict;
      const record = recordOf(failed.upstream);
      if (availableIn(record) < 1) {
        const byFleet = record.fleet !== undefined && availableIn(record, undefined) >= 1;
        return { delayMs: null, reason: byFleet ? 'fleet_retry_budget_exhausted' : 'retry_budget_exhausted' };
      }
      count(failed.upstream, record, 'retries');
      return verdict;
    },
  };
  return { hooks, available: (upstream) => availableIn(recordOf(upstream)) };
}

function shareRequest(windowMs: number): StoreRequest {
  return { kind: 'budget', settings: { windowMs, buckets: BUCKETS } };
}

/** Failure code of a hedge refused because the retry budget is spent. */
export const HEDGE_BUDGET_EXHAUSTED = 'HEDGE_BUDGET_EXHAUSTED';

function hedgeRefused(upstream: string): Failure {
  return {
    kind: 'throttled',
    code: HEDGE_BUDGET_EXHAUSTED,
    message: `No retry budget left to hedge a call to ${upstream}`,
  };
}
