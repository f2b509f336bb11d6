import type { Span } from '@opentelemetry/api';
import type { Diagnostics } from '../core/diagnostics.js';
import type { TraceIds } from './logs/logSignal.js';
import { otelApi } from './otelApi.js';
import type { SentrySignal } from './sentry/sentrySignal.js';

/** The ids of `span`, when it has valid ones (a recording or propagated span of an SDK). */
export function traceIdsOf(span: Span): TraceIds | undefined {
  const context = span.spanContext();
  return otelApi().isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : undefined;
}

/**
 * Without OpenTelemetry a line is joined to Sentry by the trace Sentry's events carry
 * here (its propagation context); nothing when Sentry is not set up.
 */
export function sentryTraceIds(sentry: SentrySignal, diagnostics: Diagnostics): TraceIds | undefined {
  try {
    return sentry.traceIds();
  } catch (error) {
    diagnostics.report('Sentry', error);
    return undefined;
  }
}
