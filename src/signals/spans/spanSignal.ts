import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types.js';
import { ATTR, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from '../attributes.js';
import { otelApi } from '../otelApi.js';

/** One attempt's CLIENT span and the contexts it runs in. */
export interface AttemptSpan {
  readonly span: Span;
  /** The caller's context with this span active: user hooks run here. */
  readonly context: Context;
  /**
   * The same with tracing suppressed: the request itself runs here, so undici
   * instrumentations (OpenTelemetry's, Sentry's) add no second span for it.
   */
  readonly sendContext: Context;
}

/** A span for a whole call, made when the caller has no active span of its own. */
export interface CallSpan {
  readonly span: Span;
  readonly context: Context;
}

/** Starts and ends the CLIENT span of each attempt, per the HTTP client semantic conventions. */
export interface SpanSignal {
  /**
   * When the caller has no active span, starts an INTERNAL span for the call, so that its
   * attempts share one trace; undefined when there is a parent already (or no tracing).
   */
  startCall(call: CallInfo): CallSpan | undefined;
  endCall(callSpan: CallSpan, outcome: CallOutcome): void;
  start(call: CallInfo, attempt: number, parent?: Context): AttemptSpan;
  end(attemptSpan: AttemptSpan, outcome: AttemptOutcome): void;
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
    startCall(call) {
      const parent = context.active();
      if (api.isSpanContextValid(trace.getSpanContext(parent) ?? api.INVALID_SPAN_CONTEXT)) return undefined;
      const span = activeTracer.startSpan(
        `${call.upstream} ${call.method} ${call.route}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [ATTR.UPSTREAM]: call.upstream,
            [ATTR.ROUTE]: call.route,
            [ATTR.HTTP_REQUEST_METHOD]: call.method,
          },
        },
        parent,
      );
      if (!span.isRecording()) return undefined;
      return { span, context: trace.setSpan(parent, span) };
    },
    endCall({ span }, outcome) {
      span.setAttribute(ATTR.ATTEMPTS, outcome.attempts);
      const { failure } = outcome;
      if (failure !== undefined) {
        span.setAttribute(ATTR.ERROR_TYPE, failure.code);
        span.setAttribute(ATTR.FAILURE_KIND, failure.kind);
        if (failure.kind !== 'cancelled') span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      }
      span.end();
    },
    start(call, attempt, parentContext) {
      const parent = parentContext ?? context.active();
      const attributes: Attributes = {
        [ATTR.HTTP_REQUEST_METHOD]: call.method,
        [ATTR.URL_FULL]: call.url,
        [ATTR.SERVER_ADDRESS]: call.serverAddress,
        [ATTR.SERVER_PORT]: call.serverPort,
        [ATTR.URL_TEMPLATE]: call.route,
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.ROUTE]: call.route,
        [ATTR.ATTEMPT]: attempt,
      };
      if (attempt > 1) attributes[ATTR.HTTP_REQUEST_RESEND_COUNT] = attempt - 1;
      const span = activeTracer.startSpan(
        `${call.method} ${call.route}`,
        { kind: SpanKind.CLIENT, attributes },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      return { span, context: spanContext, sendContext: spanContext.setValue(suppressKey, true) };
    },
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
      }
      if (retry !== undefined) {
        span.setAttribute(ATTR.RETRY_DELAY_MS, retry.delayMs);
        span.setAttribute(ATTR.RETRY_REASON, retry.reason);
        span.setAttribute(ATTR.RETRY_DELAY_SOURCE, retry.delaySource);
        span.addEvent('faultline.retry_scheduled', {
          [ATTR.RETRY_DELAY_MS]: retry.delayMs,
          [ATTR.RETRY_REASON]: retry.reason,
          [ATTR.RETRY_DELAY_SOURCE]: retry.delaySource,
        });
      } else if (outcome.stopReason !== undefined) {
        span.setAttribute(ATTR.STOP_REASON, outcome.stopReason);
      }
      span.end();
    },
  };
}
