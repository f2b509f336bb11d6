import type { Span } from '@opentelemetry/api';
import { otelApi } from './otelApi.js';

const SAMPLED = 1;
const SENTRY_ENTRY = /^\s*sentry-(trace_id|sampled)=/;

/**
 * Makes the trace headers of a request name faultline's attempt span, whatever propagator
 * is registered (W3C's, Sentry's, none): `traceparent` and `sentry-trace` with the
 * attempt's ids and sampled flag, and a `baggage` whose `sentry-trace_id` and
 * `sentry-sampled` agree with them. With `sentry-trace` present, Sentry's undici
 * integration adds none of its own: under suppressed tracing it would name a
 * non-recording span with `-0` beside `sentry-sampled=true`, and the service downstream
 * would drop its span. A span with no valid ids (no OpenTelemetry SDK) leaves the headers
 * as they are: Sentry's own span is then the request's.
 */
export function propagateToSentry(span: Span, headers: Record<string, string>): void {
  const context = span.spanContext();
  if (!otelApi().isSpanContextValid(context)) return;
  const { traceId, spanId, traceFlags } = context;
  const sampled = (traceFlags & SAMPLED) === SAMPLED;
  headers['traceparent'] = `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
  headers['sentry-trace'] = `${traceId}-${spanId}-${sampled ? '1' : '0'}`;
  const ours = `sentry-trace_id=${traceId},sentry-sampled=${sampled ? 'true' : 'false'}`;
  const given = headers['baggage'];
  // The common case (no baggage in the context) builds one string and splits nothing.
  if (given === undefined || given === '') {
    headers['baggage'] = ours;
    return;
  }
  const others = given.split(',').filter((entry) => entry.trim() !== '' && !SENTRY_ENTRY.test(entry));
  headers['baggage'] = others.length === 0 ? ours : `${others.join(',')},${ours}`;
}
