/** Every failure kind, in the order the SPEC lists them: the one vocabulary's only definition. */
export const FAILURE_KINDS = Object.freeze([
  'unauthorized',
  'forbidden',
  'throttled',
  'timeout',
  'network',
  'server',
  'client',
  'invalid_response',
  'cancelled',
  'circuit_open',
  'load_shed',
] as const);

/**
 * The one vocabulary every failure is told in, in logs, spans, metrics and Sentry.
 *
 * | kind | cause |
 * |---|---|
 * | `unauthorized` | HTTP 401 |
 * | `forbidden` | HTTP 403 |
 * | `throttled` | HTTP 429, or 503 carrying Retry-After |
 * | `timeout` | an attempt or total deadline; HTTP 408 and 504 |
 * | `network` | DNS, refused/reset/closed connection, TLS, premature close (a truncated body) |
 * | `server` | any other HTTP 5xx |
 * | `client` | any other HTTP 4xx |
 * | `invalid_response` | a body that cannot be parsed as promised, a malformed message |
 * | `cancelled` | the caller's own AbortSignal (never reported as an error) |
 * | `circuit_open` | a circuit breaker refused the attempt without sending it |
 * | `load_shed` | a load-shedding policy (`adaptiveConcurrency`, `adaptiveThrottle`) refused the call without sending it |
 */
export type FailureKind = (typeof FAILURE_KINDS)[number];

const kindSet: ReadonlySet<string> = new Set(FAILURE_KINDS);

/** True when `value` is one of the {@link FAILURE_KINDS}. */
export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && kindSet.has(value);
}
