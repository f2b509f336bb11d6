import type { RetryStrategy } from '../types/strategies.js';

/**
 * Never retries: every call makes exactly one attempt.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, retry: noRetry() });
 * ```
 */
export function noRetry(): RetryStrategy {
  return { nextDelay: () => ({ delayMs: null, reason: 'no_retry' }) };
}
