/** Hedging: a parallel attempt when an idempotent one is slow. */
import type { RetryStrategy } from './strategies.js';

/**
 * A hedge delay that follows the upstream: a percentile of its recent answers' latencies
 * (time to response headers), clamped to `[min, max]`.
 */
export interface HedgePercentileDelay {
  /** The percentile, above 0 and below 100 (95: hedge the slowest 5% of calls). */
  readonly percentile: number;
  /**
   * The shortest delay, in ms.
   * @default 0
   */
  readonly min?: number;
  /**
   * The longest delay, in ms.
   * @default Infinity
   */
  readonly max?: number;
  /**
   * The delay until the upstream has answered 20 times (too few to know its percentile), in ms;
   * clamped to `[min, max]` like the rest.
   * @default 1000
   */
  readonly initialMs?: number;
}

/** Options of `hedge()`. */
export interface HedgeOptions {
  /**
   * How long an attempt may go without an answer (response headers) before a hedge is
   * sent: a fixed number of ms, or a percentile of the upstream's recent latencies.
   * @example `50`, or `{ percentile: 95, min: 10, max: 500 }`
   */
  readonly delayMs: number | HedgePercentileDelay;
  /**
   * Hedges per attempt, at most (each after another `delayMs`).
   * @default 1
   */
  readonly maxHedges?: number;
  /**
   * The share of first attempts hedges may add per upstream when the call's retry strategy
   * has no `retryBudget` of its own (with one, hedges draw from that budget instead).
   * @default `{ ratio: 0.1, minRetriesPerSecond: 10 }`, as retryBudget's defaults
   */
  readonly budget?: { readonly ratio?: number; readonly minRetriesPerSecond?: number };
}

/**
 * A hedging policy, made by `hedge()` and passed as a client's or a call's `hedge` option.
 * One policy may serve several clients: latencies are kept per upstream.
 */
export interface HedgePolicy {
  /** Hedges per attempt, at most. */
  readonly maxHedges: number;
  /** The wait before hedging a call to `upstream` now, in ms. */
  delayFor(upstream: string): number;
  /** Records how long an answer from `upstream` took (to its response headers), in ms. */
  record(upstream: string, latencyMs: number): void;
  /**
   * The budget hedges draw from when the call's retry strategy holds no `retryBudget`
   * (asked through `beforeAttempt` with `hedge: true`, as a strategy's own budget is).
   */
  readonly budget: RetryStrategy;
}
