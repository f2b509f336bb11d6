import type { Failure, FailureKind } from '../types/failure.js';
import type { RetryContext, RetryStrategy, RetryVerdict } from '../types/strategies.js';
import { DEFAULTS } from '../core/defaults.js';
import { withoutUndefined } from '../core/withoutUndefined.js';

/** How randomness spreads the delays (see AWS's "Exponential Backoff And Jitter"). */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /**
   * Attempts per call, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * The first delay, doubled at each retry.
   * @default 200
   */
  readonly baseDelayMs?: number;
  /**
   * The largest backoff delay.
   * @default 10000
   */
  readonly maxDelayMs?: number;
  /** @default 'full' */
  readonly jitter?: Jitter;
  /**
   * The kinds worth retrying. `server` failures with status 500 or 501 are never
   * retried: they say the request itself broke the server.
   * @default ['throttled', 'timeout', 'network', 'server']
   */
  readonly retryOn?: readonly FailureKind[];
  /**
   * Wait as long as the server's Retry-After (or RateLimit-Reset) asks.
   * @default true
   */
  readonly respectRetryAfter?: boolean;
  /**
   * Give up rather than wait longer than this for a server's Retry-After.
   * @default 60000
   */
  readonly maxRetryAfterMs?: number;
  /** Random numbers in [0, 1); for tests. @default Math.random */
  readonly random?: () => number;
}

/** The defaults of {@link exponentialBackoff}. */
export const defaultBackoffOptions = {
  maxAttempts: DEFAULTS.retryMaxAttempts,
  baseDelayMs: DEFAULTS.retryBaseDelayMs,
  maxDelayMs: DEFAULTS.retryMaxDelayMs,
  jitter: 'full',
  retryOn: ['throttled', 'timeout', 'network', 'server'],
  respectRetryAfter: true,
  maxRetryAfterMs: DEFAULTS.retryMaxRetryAfterMs,
  random: Math.random,
} as const satisfies Required<ExponentialBackoffOptions>;

/**
 * Retries replayable requests with exponentially growing, jittered delays, honouring
 * the server's Retry-After up to `maxRetryAfterMs`. A failure before the request was
 * sent (connect phase) is retried whatever the method.
 *
 * @example
 * ```ts
 * const retry = exponentialBackoff({ maxAttempts: 4, baseDelayMs: 100, jitter: 'equal' });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryStrategy {
  const o = { ...defaultBackoffOptions, ...withoutUndefined(options) };
  const retryOn = new Set<FailureKind>(o.retryOn);

  const backoff = (context: RetryContext): number => {
    const exponential = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (context.attempt - 1));
    switch (o.jitter) {
      case 'none':
        return exponential;
      case 'equal':
        return Math.round(exponential / 2 + o.random() * (exponential / 2));
      case 'decorrelated': {
        const previous = Math.max(o.baseDelayMs, context.previousDelayMs);
        const upper = Math.max(o.baseDelayMs, previous * 3);
        return Math.round(Math.min(o.maxDelayMs, o.baseDelayMs + o.random() * (upper - o.baseDelayMs)));
      }
      default:
        return Math.round(o.random() * exponential);
    }
  };

  return {
    nextDelay(context): RetryVerdict {
      const { failure } = context;
      if (context.attempt >= o.maxAttempts) return { delayMs: null, reason: 'max_attempts' };
      if (!isRetryable(failure, retryOn)) return { delayMs: null, reason: 'not_retryable' };
      if (!context.replayable && failure.phase !== 'connect') return { delayMs: null, reason: 'not_replayable' };
      if (o.respectRetryAfter && failure.retryAfterMs !== undefined) {
        if (failure.retryAfterMs > o.maxRetryAfterMs) return { delayMs: null, reason: 'retry_after_too_long' };
        return { delayMs: failure.retryAfterMs, reason: 'retry_after', delaySource: 'server' };
      }
      return { delayMs: backoff(context), reason: 'backoff', delaySource: 'backoff' };
    },
  };
}

function isRetryable(failure: Failure, retryOn: ReadonlySet<FailureKind>): boolean {
  if (!retryOn.has(failure.kind)) return false;
  return !(failure.kind === 'server' && (failure.status === 500 || failure.status === 501));
}
