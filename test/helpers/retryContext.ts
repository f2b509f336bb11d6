import type { FailedAttempt, Failure } from '../../src/index.js';

/** A 503 as classify() reports it. */
export const serverError: Failure = { kind: 'server', code: '503', status: 503, message: 'HTTP 503' };

/** What a policy's `afterFailure` is told: a first GET that failed with a 503, unless overridden. */
export function retryContext(overrides: Partial<FailedAttempt> = {}): FailedAttempt {
  return {
    attempt: 1,
    failure: serverError,
    method: 'GET',
    url: 'http://upstream.test/x',
    upstream: 'upstream',
    route: '/x',
    durationMs: 0,
    replayable: true,
    elapsedMs: 0,
    previousDelayMs: 0,
    remainingMs: Number.POSITIVE_INFINITY,
    signal: new AbortController().signal,
    waitedUntil: 0,
    ...overrides,
  };
}
