import { withoutUndefined } from '../core/withoutUndefined.js';
import { retry } from '../policies/retry/retry.js';
import { throttle } from '../policies/throttle/throttle.js';
import type { Policy } from '../types/policy.js';
import type { EnvConfig } from './envConfig.js';

/**
 * The list a client gets when its options give none — a retry configured from
 * FAULTLINE_RETRY_* and the throttle that honours Retry-After — and what `faultline check`
 * prints.
 */
export function defaultResilience(env: EnvConfig): readonly Policy[] {
  const options = withoutUndefined({
    maxAttempts: env.retryMaxAttempts,
    baseDelayMs: env.retryBaseDelayMs,
    maxDelayMs: env.retryMaxDelayMs,
    maxRetryAfterMs: env.retryMaxRetryAfterMs,
  });
  return [retry(options), throttle()];
}

/** A list as one line, outermost first: `retry(maxAttempts=3, …) → throttle()`. */
export function describeResilience(list: readonly Policy[]): string {
  return list.map((policy) => policy.describe?.() ?? policy.name).join(' → ');
}
