import type { Failure } from '../types/failure.js';
import type { AttemptOutcome, CallInfo, HedgeMark } from '../types/observers.js';

/**
 * The attribute names every signal shares, so a log line, a span and a Sentry tag join
 * on the same keys. OpenTelemetry's HTTP client semantic conventions first, then
 * faultline's own under `faultline.*`.
 */
export const ATTR = {
  HTTP_REQUEST_METHOD: 'http.request.method',
  /** The method itself when `http.request.method` is `_OTHER`. */
  HTTP_REQUEST_METHOD_ORIGINAL: 'http.request.method_original',
  NETWORK_PROTOCOL_VERSION: 'network.protocol.version',
  URL_FULL: 'url.full',
  URL_TEMPLATE: 'url.template',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  ERROR_TYPE: 'error.type',
  HTTP_REQUEST_RESEND_COUNT: 'http.request.resend_count',
  FAILURE_KIND: 'faultline.failure.kind',
  UPSTREAM: 'faultline.upstream',
  ATTEMPT: 'faultline.attempt',
  ROUTE: 'faultline.route',
  RETRY_DELAY_MS: 'faultline.retry.delay_ms',
  RETRY_REASON: 'faultline.retry.reason',
  RETRY_DELAY_SOURCE: 'faultline.retry.delay_source',
  STOP_REASON: 'faultline.stop_reason',
  ATTEMPTS: 'faultline.attempts',
  DURATION_MS: 'faultline.duration_ms',
  /** `caller` or `own`: which deadline bounded a call made while handling a request. */
  DEADLINE_SOURCE: 'faultline.deadline.source',
  /** A raced attempt's place: 0 the attempt that was hedged, n its n-th hedge. */
  HEDGE_INDEX: 'faultline.hedge.index',
  /** A raced attempt's end: `won`, `lost` (aborted, not an error) or `failed`. */
  HEDGE_OUTCOME: 'faultline.hedge.outcome',
  /** On a call's line: hedges sent. */
  HEDGES: 'faultline.hedges',
  /** `true` when a failed call was answered by its fallback (span, log line, Sentry tag). */
  FALLBACK: 'faultline.fallback',
} as const;

/**
 * What every span and log line of a call carries: the semantic conventions' request
 * attributes (the URL already redacted) and faultline's upstream and route. A fresh object
 * each time, for the caller to add to.
 */
export function callAttributes(call: CallInfo): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
    [ATTR.URL_FULL]: call.url,
    [ATTR.SERVER_ADDRESS]: call.serverAddress,
    [ATTR.SERVER_PORT]: call.serverPort,
    [ATTR.UPSTREAM]: call.upstream,
    [ATTR.ROUTE]: call.route,
  };
  if (call.requestMethod !== call.method) attributes[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] = call.method;
  if (call.deadlineSource !== undefined) attributes[ATTR.DEADLINE_SOURCE] = call.deadlineSource;
  return attributes;
}

/**
 * An attempt span's name per the HTTP client conventions: `{method} {route}` when the
 * caller gave a route, `{method}` alone otherwise (never the raw path: unbounded), and
 * `HTTP` in place of an `_OTHER` method.
 */
export function spanNameOf(call: CallInfo): string {
  const method = call.requestMethod === call.method ? call.method : 'HTTP';
  return call.template === undefined ? method : `${method} ${call.template}`;
}

/** A set of attributes (or log fields, or Sentry tags and breadcrumb data) being built. */
type Target = Record<string, unknown>;

/** `error.type` and `faultline.failure.kind`: what every signal says of a failure. */
export function addFailureAttributes<T extends Target>(target: T, failure: Failure | undefined): T {
  const fields: Target = target;
  if (failure !== undefined) {
    fields[ATTR.ERROR_TYPE] = failure.code;
    fields[ATTR.FAILURE_KIND] = failure.kind;
  }
  return target;
}

/** The wait before a retry, why, and where the delay came from. */
export function addRetryAttributes<T extends Target>(target: T, retry: AttemptOutcome['retry']): T {
  const fields: Target = target;
  if (retry !== undefined) {
    fields[ATTR.RETRY_DELAY_MS] = retry.delayMs;
    fields[ATTR.RETRY_REASON] = retry.reason;
    fields[ATTR.RETRY_DELAY_SOURCE] = retry.delaySource;
  }
  return target;
}

/** A raced attempt's place in its hedge race and how it ended. */
export function addHedgeAttributes<T extends Target>(target: T, hedge: HedgeMark | undefined): T {
  const fields: Target = target;
  if (hedge !== undefined) {
    fields[ATTR.HEDGE_INDEX] = hedge.index;
    fields[ATTR.HEDGE_OUTCOME] = hedge.outcome;
  }
  return target;
}

/** The attempt number and, from the second on, the semantic conventions' resend count. */
export function addAttemptAttributes<T extends Target>(target: T, attempt: number): T {
  const fields: Target = target;
  fields[ATTR.ATTEMPT] = attempt;
  if (attempt > 1) fields[ATTR.HTTP_REQUEST_RESEND_COUNT] = attempt - 1;
  return target;
}

/** The instrumentation scope name of faultline's tracer and meter. */
export const INSTRUMENTATION_NAME = 'faultline';
/** Kept in step with package.json by a test. */
export const INSTRUMENTATION_VERSION = '0.1.0';
