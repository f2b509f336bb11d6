import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Diagnostics } from '../../core/diagnostics.js';
import { callHook } from '../../core/callHook.js';
import { BOOLEAN } from '../../core/hookContracts.js';
import type { AttemptOutcome, CallInfo } from '../../types/observers.js';
import type { SpanHooks } from '../../types/spanHooks.js';
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
import { otelApi, tracingRegistered } from '../otelApi.js';
import { ATTRIBUTES_OR_NOTHING, NOT_A_PROMISE } from './spanHookContracts.js';

/** One attempt's CLIENT span and the contexts it runs in. */
export interface AttemptSpan {
  readonly span: Span;
  /** The caller's context with this span active: user hooks run here. */
  readonly context: Context;
  /** True when the caller had no active span, so this attempt's span roots the trace. */
  readonly root: boolean;
  /** True when no tracing is set up: no span was made, and there is no context to enter or inject. */
  readonly untraced?: true;
}

/** Starts and ends the CLIENT span of each attempt, per the HTTP client semantic conventions. */
export interface SpanSignal {
  /**
   * Starts an attempt's span under `parent`, or under the active span when none is given.
   * `root` says whether the span started a trace of its own (the caller had no span).
   */
  start(call: CallInfo, attempt: number, parent?: Context): AttemptSpan;
  /** Ends the attempt's span: faultline's attributes and status, then the app's `end` hook. */
  end(attemptSpan: AttemptSpan, outcome: AttemptOutcome, call: CallInfo): void;
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

/**
 * @param hooks - the app's span hooks, each called through `diagnostics` (guarded)
 */
export function createSpanSignal(tracer?: Tracer, hooks?: SpanHooks, diagnostics?: Diagnostics): SpanSignal {
  const api = otelApi();
  const activeTracer = tracer ?? api.trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const suppressKey = api.createContextKey(SUPPRESS_TRACING_KEY_NAME);
  const { SpanKind, SpanStatusCode, context, trace } = api;
  // Hooks are read once: a client's hot path checks a local, not the user's object.
  const startHook = diagnostics && hooks?.start;
  const endHook = diagnostics && hooks?.end;
  const ignoreHook = diagnostics && hooks?.ignore;
  /** Calls the ignore hook answered true for: their retries and hedges have no span either. */
  const ignored = new WeakSet<CallInfo>();
  // With no tracing set up and no tracer of the app's, an attempt has nothing to start,
  // enter or inject: one shared no-op span stands for all of them.
  const untracedRoot: AttemptSpan = {
    span: trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT),
    context: api.ROOT_CONTEXT,
    root: true,
    untraced: true,
  };
  const untracedRetry: AttemptSpan = { ...untracedRoot, root: false };

  /** Whether `call` has spans: the ignore hook is asked once, at the first attempt. */
  const skips = (call: CallInfo, attempt: number): boolean => {
    if (ignoreHook === undefined || diagnostics === undefined) return false;
    if (attempt > 1) return ignored.has(call);
    const skip = callHook(diagnostics, 'spanHooks.ignore', hooks, ignoreHook, { call, attempt }, BOOLEAN, false);
    if (skip) ignored.add(call);
    return skip;
  };

  return {
    start(call, attempt, parentContext) {
      if (tracer === undefined && !tracingRegistered())
        return parentContext === undefined ? untracedRoot : untracedRetry;
      const parent = parentContext ?? context.active();
      if (skips(call, attempt)) {
        // No span of faultline's: the request carries the caller's context as it is.
        const callerSpan = trace.getSpan(parent);
        return {
          span: trace.wrapSpanContext(callerSpan?.spanContext() ?? api.INVALID_SPAN_CONTEXT),
          context: parent,
          root: parentContext === undefined && callerSpan === undefined,
        };
      }
      const attributes: Attributes = callAttributes(call);
      // Only a route the caller gave: the guess from the path serves faultline's grouping.
      if (call.template !== undefined) attributes[ATTR.URL_TEMPLATE] = call.template;
      if (call.protocolVersion !== undefined) attributes[ATTR.NETWORK_PROTOCOL_VERSION] = call.protocolVersion;
      addAttemptAttributes(attributes, attempt);
      if (startHook !== undefined && diagnostics !== undefined) {
        const extra = callHook<SpanHooks | undefined, { call: CallInfo; attempt: number }, Attributes | undefined>(
          diagnostics,
          'spanHooks.start',
          hooks,
          startHook,
          { call, attempt },
          ATTRIBUTES_OR_NOTHING,
          undefined,
        );
        if (extra != null) Object.assign(attributes, extra);
      }
      const span = activeTracer.startSpan(spanNameOf(call), { kind: SpanKind.CLIENT, attributes }, parent);
      const spanContext = trace.setSpan(parent, span);
      return {
        span,
        context: spanContext,
        root: parentContext === undefined && trace.getSpan(parent) === undefined,
      };
    },
    suppressed: (spanContext) => spanContext.setValue(suppressKey, true),
    end({ span }, outcome, call) {
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
      if (endHook !== undefined && diagnostics !== undefined)
        callHook(diagnostics, 'spanHooks.end', hooks, endHook, { span, call, outcome }, NOT_A_PROMISE, undefined);
      span.end();
    },
  };
}
