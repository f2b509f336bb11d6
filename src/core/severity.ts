import type { FailureKind } from './failureKinds.js';

/** How bad a failed call is, in Sentry's words; log lines use the same table. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Breakage is an error; the caller's or the upstream's policy (credentials, quotas, a
 * refused request, an open circuit) is a warning; the caller's own cancellation is info.
 */
export const SEVERITY: Readonly<Record<FailureKind, Severity>> = Object.freeze({
  server: 'error',
  network: 'error',
  timeout: 'error',
  invalid_response: 'error',
  throttled: 'warning',
  unauthorized: 'warning',
  forbidden: 'warning',
  client: 'warning',
  circuit_open: 'warning',
  load_shed: 'warning',
  cancelled: 'info',
});

/**
 * How bad a failed call is. One its fallback answered is at most a warning: the upstream is
 * unwell, but the caller got an answer (a degraded service, not a broken one).
 */
export function severityOf(kind: FailureKind, answeredByFallback = false): Severity {
  const severity = SEVERITY[kind];
  return answeredByFallback && severity === 'error' ? 'warning' : severity;
}

/** The winston level of a failed call's line. */
export function logLevelOf(kind: FailureKind, answeredByFallback = false): 'error' | 'warn' | 'info' {
  const severity = severityOf(kind, answeredByFallback);
  return severity === 'warning' ? 'warn' : severity;
}
