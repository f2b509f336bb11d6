import type { CallInfo } from '../types/observers.js';

/**
 * The attribute names every signal shares, so a log line, a span and a Sentry tag join
 * on the same keys. OpenTelemetry's HTTP client semantic conventions first, then
 * faultline's own under `faultline.*`.
 */
export const ATTR = {
  HTTP_REQUEST_METHOD: 'http.request.method',
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
} as const;

/**
 * What every span and log line of a call carries: the semantic conventions' request
 * attributes (the URL already redacted) and faultline's upstream and route. A fresh object
 * each time, for the caller to add to.
 */
export function callAttributes(call: CallInfo): Record<string, string | number> {
  return {
    [ATTR.HTTP_REQUEST_METHOD]: call.method,
    [ATTR.URL_FULL]: call.url,
    [ATTR.SERVER_ADDRESS]: call.serverAddress,
    [ATTR.SERVER_PORT]: call.serverPort,
    [ATTR.UPSTREAM]: call.upstream,
    [ATTR.ROUTE]: call.route,
  };
}

/** The instrumentation scope name of faultline's tracer and meter. */
export const INSTRUMENTATION_NAME = 'faultline';
/** Kept in step with package.json by a test. */
export const INSTRUMENTATION_VERSION = '0.1.0';
