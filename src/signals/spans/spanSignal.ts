import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { AttemptOutcome, CallInfo } from '../../types/observers.js';
import {
  addAttemptAttributes,
  addHedgeAttributes,
  addRetryAttributes,
  ATTR,
  callAttributes,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  spanNameOf,
} from '../attributes.js';
import { otelApi } from '../otelApi.js';

/** One attempt's CLIENT span and the contexts it runs in. */
export interface AttemptSpan {
  readonly span: Span;
  /** The caller's context with this span active: user hooks run here. */
  readonly context: Context;
  /** True when the caller had no active span, so this attempt's span roots the trace. */
  readonly root: boolean;
}

/** Starts and ends the CLIENT span of each attempt, per the HTTP client semantic conventions. */
export interface SpanSignal {
  /**
   * Starts an attempt's span under `parent`, or under the active span when none is given.
   * `root` says whether the span started a trace of its own (the caller had no span).
   */
  start(call: CallInfo, attempt: number, parent?: Context): AttemptSpan;
  end(attemptSpan: AttemptSpan, outcome: AttemptOutcome): void;
  /**
   * `context` with tracing suppressed: the request itself runs there, so undici
   * instrumentations (OpenTelemetry's, Sentry's) add no second span for it.
   */
  suppressed(context: Context): Context;
}

/**
 * OpenTelemetry's SDK reads this context key to suppress tracing. The API builds context
 * keys with Symbol.for, so the same key can be made from the API alone.
 */
const SUPPRESS_TRACING_KEY_NAME = 'OpenTelemetry SDK Context Key SUPPRESS_TRACING';

export function createSpanSignal(tracer?: Tracer): SpanSignal {
  const api = otelApi();
  const activeTracer = tracer ?? api.trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const suppressKey = api.createContextKey(SUPPRESS_TRACING_KEY_NAME);
  const { SpanKind, SpanStatusCode, context, trace } = api;

  return {
    start(call, attempt, parentContext) {
      const parent = parentContext ?? context.active();
      const attributes: Attributes = callAttributes(call);
      // Only a route the caller gave: the guess from the path serves faultline's grouping.
      if (call.template !== undefined) attributes[ATTR.URL_TEMPLATE] = call.template;
      if (call.protocolVersion !== undefined) attributes[ATTR.NETWORK_PROTOCOL_VERSION] = call.protocolVersion;
      addAttemptAttributes(attributes, attempt);
      const span = activeTracer.startSpan(spanNameOf(call), { kind: SpanKind.CLIENT, attributes }, parent);
      const spanContext = trace.setSpan(parent, span);
      return {
        span,
        context: spanContext,
        root: parentContext === undefined && trace.getSpan(parent) === undefined,
      };
    },
    suppressed: (spanContext) => spanContext.setValue(suppressKey, true),
    end({ span }, outcome) {
      if (!span.isRecording()) {
        span.end();
        return;
      }
      if (outcome.status !== undefined) span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, outcome.status);
      const { failure, retry } = outcome;
      if (failure !== undefined) {
        span.setAttribute(ATTR.ERROR_TYPE, failure.code);
        span.setAttribute(ATTR.FAILURE_KIND, failure.kind);
        // Cancellation is the caller's choice, not an error (as instrumentation-undici does).
        if (failure.kind !== 'cancelled') span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
        // Still an ERROR span when a fallback answered: the request to the upstream did fail,
        // and trace views and error-rate queries must keep seeing that. The attribute says
        // the caller was answered anyway.
        if (outcome.fallback === true) span.setAttribute(ATTR.FALLBACK, true);
      }
      // A lost hedge race is no failure: it carries its mark and no error status.
      if (outcome.hedge !== undefined) span.setAttributes(addHedgeAttributes({}, outcome.hedge));
      if (retry !== undefined) {
        const attributes = addRetryAttributes({}, retry);
        span.setAttributes(attributes);
        span.addEvent('faultline.retry_scheduled', attributes);
      } else if (outcome.stopReason !== undefined) {
        span.setAttribute(ATTR.STOP_REASON, outcome.stopReason);
      }
      span.end();
    },
  };
}
