/** Retry strategies: what they are told and what they answer. */
import type { Failure } from './failure.js';

/** What a retry strategy is told after a failed attempt. */
export interface RetryContext {
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  /** Why it failed. */
  readonly failure: Failure;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  /** The upstream's name (the client's `name`). */
  readonly upstream: string;
  /** The call's route template (its `route` option, or the path's template), as in `faultline.route`. */
  readonly route?: string;
  /** How long the failed attempt took, in milliseconds (what a slow-call rule measures). */
  readonly durationMs?: number;
  /**
   * True when the request may be sent again: an idempotent method (or `idempotent: true`)
   * and a body that can be replayed.
   */
  readonly replayable: boolean;
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
  /** The delay waited before this attempt (0 before the first); decorrelated jitter needs it. */
  readonly previousDelayMs: number;
  /** Milliseconds left before the call's total deadline (`Infinity` without one). */
  readonly remainingMs: number;
  /** Aborts when the caller gives up or the total deadline passes. */
  readonly signal: AbortSignal;
}

/** What a strategy's `beforeAttempt` is told. */
export interface AttemptContext {
  /** The attempt about to be made, counted from 1. */
  readonly attempt: number;
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  readonly upstream: string;
  /** The call's route template (its `route` option, or the path's template), as in `faultline.route`. */
  readonly route?: string;
  /**
   * True when the attempt is a hedge: sent in parallel while an earlier attempt of the call
   * is still in flight. A refusal only stops the hedge (`retryBudget` spends a retry on it,
   * or refuses it when the budget is spent; a circuit breaker refuses it unless closed).
   */
  readonly hedge?: boolean;
}

/** What a strategy's `onSuccess` is told. */
export interface SuccessContext extends AttemptContext {
  /** The HTTP status of the successful response. */
  readonly status: number;
  readonly elapsedMs: number;
  /** How long the successful attempt took, in milliseconds (what a slow-call rule measures). */
  readonly durationMs?: number;
}

/**
 * A strategy's answer with its reason, so logs and the demo can say why a retry waited
 * as long as it did (or why it stopped). A plain number or `null` is just as good.
 */
export interface RetryVerdict {
  /** Milliseconds to wait before the next attempt, or `null` to stop. */
  readonly delayMs: number | null;
  /** Low-cardinality reason, e.g. `"backoff"`, `"retry_after"`, `"max_attempts"`. */
  readonly reason: string;
  /** Where the delay came from: the server's Retry-After, or the strategy's backoff. */
  readonly delaySource?: 'server' | 'backoff';
}

/** What {@link RetryStrategy.nextDelay} may return. */
export type RetryDecision = number | null | RetryVerdict;

/**
 * A retry policy. Only `nextDelay` is required; a custom one takes a few lines.
 *
 * @example
 * ```ts
 * const twiceQuickly: RetryStrategy = {
 *   nextDelay: ({ attempt, replayable }) => (replayable && attempt < 3 ? 50 : null),
 * };
 * ```
 */
export interface RetryStrategy {
  /** Called after every failed attempt (except cancellation): a delay in ms, or `null` to stop. */
  nextDelay(context: RetryContext): RetryDecision | Promise<RetryDecision>;
  /**
   * Called before every attempt. Return a {@link Failure} (normally kind `circuit_open`)
   * to refuse the attempt without sending it; return nothing to let it go.
   */
  beforeAttempt?(context: AttemptContext): Failure | null | undefined | void;
  /** Hears of every successful attempt. */
  onSuccess?(context: SuccessContext): void;
}
