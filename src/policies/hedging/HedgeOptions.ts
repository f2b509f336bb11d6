/** Hedging: a parallel attempt when an idempotent one is slow. */

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
   * The share of first attempts hedges may add per upstream when the list has no
   * `retryBudget` (with one, hedges draw from that budget instead).
   * @default `{ ratio: 0.1, minRetriesPerSecond: 10 }`, as retryBudget's defaults
   */
  readonly budget?: { readonly ratio?: number; readonly minRetriesPerSecond?: number };
}
