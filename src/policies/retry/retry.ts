import type { Failure, FailureKind } from '../../types/failure.js';
import { DEFAULTS } from '../../core/defaults.js';
import { withoutUndefined } from '../../core/withoutUndefined.js';
import { type FailedAttempt, type Policy, UNDECIDED, type Verdict } from '../../types/policy.js';

/** How randomness spreads the delays (see AWS's "Exponential Backoff And Jitter"). */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** Options of {@link retry}. */
export interface RetryOptions {
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

/** The defaults of {@link retry}. */
export const defaultRetryOptions = {
  maxAttempts: DEFAULTS.retryMaxAttempts,
  baseDelayMs: DEFAULTS.retryBaseDelayMs,
  maxDelayMs: DEFAULTS.retryMaxDelayMs,
  jitter: 'full',
  retryOn: ['throttled', 'timeout', 'network', 'server'],
  respectRetryAfter: true,
  maxRetryAfterMs: DEFAULTS.retryMaxRetryAfterMs,
  random: Math.random,
} as const satisfies Required<RetryOptions>;

/**
 * Retries failed attempts with exponential backoff and jitter, waiting out a server's
 * Retry-After (or RateLimit-Reset) instead when it sent one. Only replayable calls are
 * retried (an idempotent method, or `idempotent: true`, with a body that can be sent
 * again), except a failure to connect, which sent nothing. A verdict already given by a
 * policy outside this one (a wait, or a stop such as `circuit_opened`) is kept.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, resilience: [retry({ maxAttempts: 4, jitter: 'decorrelated' })] });
 * ```
 */
export function retry(options: RetryOptions = {}): Policy {
  const o = { ...defaultRetryOptions, ...withoutUndefined(options) };
  const retryOn = new Set<FailureKind>(o.retryOn);

  const backoff = (failed: FailedAttempt): number => {
    const exponential = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (failed.attempt - 1));
    switch (o.jitter) {
      case 'none':
        return exponential;
      case 'equal':
        return Math.round(exponential / 2 + o.random() * (exponential / 2));
      case 'decorrelated': {
        const previous = Math.max(o.baseDelayMs, failed.previousDelayMs);
        const upper = Math.max(o.baseDelayMs, previous * 3);
        return Math.round(Math.min(o.maxDelayMs, o.baseDelayMs + o.random() * (upper - o.baseDelayMs)));
      }
      default:
        return Math.round(o.random() * exponential);
    }
  };
  const decide = (failed: FailedAttempt): Verdict => {
    const { failure } = failed;
    if (failed.attempt >= o.maxAttempts) return { delayMs: null, reason: 'max_attempts' };
    if (!isRetryable(failure, retryOn)) return { delayMs: null, reason: 'not_retryable' };
    if (!failed.replayable && failure.phase !== 'connect') return { delayMs: null, reason: 'not_replayable' };
    if (o.respectRetryAfter && failure.retryAfterMs !== undefined) {
      if (failure.retryAfterMs > o.maxRetryAfterMs) return { delayMs: null, reason: 'retry_after_too_long' };
      return { delayMs: failure.retryAfterMs, reason: 'retry_after', delaySource: 'server' };
    }
    return { delayMs: backoff(failed), reason: 'backoff', delaySource: 'backoff' };
  };
  const hooks = {
    afterFailure: (failed: FailedAttempt, verdict: Verdict) => (verdict === UNDECIDED ? decide(failed) : verdict),
  };
  return {
    name: 'retry',
    build: () => hooks,
    describe: () =>
      `retry(maxAttempts=${o.maxAttempts}, baseDelayMs=${o.baseDelayMs}, maxDelayMs=${o.maxDelayMs}, jitter=${o.jitter}, retryOn=${o.retryOn.join('|')}, maxRetryAfterMs=${o.maxRetryAfterMs})`,
  };
}

function isRetryable(failure: Failure, retryOn: ReadonlySet<FailureKind>): boolean {
  if (!retryOn.has(failure.kind)) return false;
  return !(failure.kind === 'server' && (failure.status === 500 || failure.status === 501));
}
