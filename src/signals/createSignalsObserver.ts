import type { Meter, Tracer } from '@opentelemetry/api';
import type { LogLevel } from '../config/envConfig.js';
import type { Redactor } from '../redaction/Redactor.js';
import type { ReportOptions } from '../types/client.js';
import type { FaultlineLogger } from '../types/logger.js';
import type { CallInfo, CallOutcome, RequestObserver } from '../types/observers.js';
import { noop } from '../core/noop.js';
import { asDiagnostics, type Diagnostics, type DiagnosticsSinkLike, guard } from '../core/diagnostics.js';
import { logWriterFor } from './logs/logWriter.js';
import { createLogSignal, type LogSamplingRule, type TraceIds } from './logs/logSignal.js';
import {
  type CircuitGauge,
  type LimiterGauge,
  createMetricSignal,
  type MetricSignal,
  type SharedStateHealth,
} from './metrics/metricSignal.js';
import { metricsRegistered, otelApi } from './otelApi.js';
import { breadcrumbOf } from './sentry/breadcrumbOf.js';
import type { FleetCap } from '../shared/sharedCap.js';
import { createSentrySignal, type FailedCall } from './sentry/sentrySignal.js';
import { scrubAppSentry } from './sentry/scrubSentry.js';
import { type AttemptSpan, createSpanSignal } from './spans/spanSignal.js';
import { type FailedCallState, type Signals, SignalsScope } from './SignalsScope.js';
import { sentryTraceIds, traceIdsOf } from './traceIdsOf.js';
import type { SpanHooks } from '../types/spanHooks.js';

/** What the signals are built from. */
export interface SignalsOptions {
  /** Where log lines go (winston, pino or console, as they are); none means no log lines. */
  readonly logger?: FaultlineLogger | undefined;
  /** The level check for a logger without one (console). @default info */
  readonly logLevel?: LogLevel | undefined;
  /** @default the global tracer provider's `faultline` tracer */
  readonly tracer?: Tracer;
  /** @default the global meter provider's `faultline` meter */
  readonly meter?: Meter;
  /** Sentry reporting, or false for none. */
  readonly report: ReportOptions | false;
  readonly redactor: Redactor;
  /**
   * Where the signals report their own trouble. A bare `{ warn(message, meta) }` (the
   * shape this option had before 0.2) is still accepted and given a throttle of its own.
   */
  readonly diagnostics: Diagnostics | DiagnosticsSinkLike;
  /** The client's circuits, for the `faultline.circuit.state` gauge. @default none */
  readonly circuits?: ReadonlyMap<string, CircuitGauge>;
  /** The client's concurrency limiters, for the `faultline.concurrency.*` gauges. @default none */
  readonly limiters?: ReadonlyMap<string, LimiterGauge>;
  /** Milliseconds now, for the Sentry cap's minute and the log sampler's second. @default Date.now */
  readonly now?: () => number;
  /** Storm sampling of failure log lines, or false for none. @default false */
  readonly logSampling?: LogSamplingRule | false;
  /** The fleet's share of the Sentry cap, when replicas share state. @default none */
  readonly fleetCap?: FleetCap | undefined;
  /** The client's shared state, for the `faultline.shared_state.healthy` gauge. @default none */
  readonly sharedState?: SharedStateHealth | undefined;
  /** The app's hooks into each attempt's span. @default none */
  readonly spanHooks?: SpanHooks | undefined;
}

/**
 * Every attempt and outcome told in four places at once: a CLIENT span and metrics per
 * attempt, log lines, and one Sentry event per failed call. One observer for all four
 * keeps the per-attempt cost to one scope object; each signal is guarded on its own, so
 * a broken exporter, transport or logger silences only itself.
 */
export function createSignalsObserver(options: SignalsOptions): RequestObserver {
  const diagnostics = asDiagnostics(options.diagnostics, options.redactor.text);
  const api = otelApi();
  let metrics: MetricSignal | undefined;
  const signals: Signals = {
    spans: createSpanSignal(options.tracer, options.spanHooks, diagnostics),
    get metrics() {
      // Instruments are made once a meter provider is there (the app's own meter, or a
      // provider registered before or after the client was made): until then every record
      // would go to a no-op instrument for good, and the attributes built for it be wasted.
      if (metrics !== undefined) return metrics;
      if (options.meter === undefined && !metricsRegistered()) return NO_METRICS;
      metrics = createMetricSignal(options.meter, options.circuits, options.sharedState, options.limiters);
      return metrics;
    },
    logs:
      options.logger &&
      createLogSignal(
        logWriterFor(options.logger, options.logLevel),
        options.logSampling || undefined,
        options.now ?? Date.now,
        (call, kind) =>
          guard(diagnostics, 'metrics (log suppressed)', () => signals.metrics.logSuppressed(call, kind), undefined),
      ),
    // Built with `report: false` too: the app's own Sentry still meets faultline's attempts
    // (one span per attempt, headers naming it, a breadcrumb); only events are off.
    sentry: createSentrySignal(
      options.report || {},
      options.redactor,
      (call, kind) =>
        guard(
          diagnostics,
          'metrics (sentry suppressed)',
          () => signals.metrics.sentrySuppressed(call, kind),
          undefined,
        ),
      options.now ?? Date.now,
      options.fleetCap,
    ),
    reporting: options.report !== false,
    diagnostics,
    failedCalls: new WeakMap(),
    propagate: (context, headers) => api.propagation.inject(context, headers),
    withContext: (context, fn) => api.context.with(context, fn),
  };
  // Sentry set up before this client, as Sentry asks: what it records of each call is redacted.
  scrubAppSentry(options.redactor);
  // Every step below catches and reports its own errors.
  const observer: RequestObserver = {
    attemptStarted(call, attempt) {
      let attemptSpan: AttemptSpan;
      try {
        const root = attempt > 1 ? signals.failedCalls.get(call)?.root : undefined;
        attemptSpan = signals.spans.start(call, attempt, root);
      } catch (error) {
        diagnostics.report('span', error);
        return undefined;
      }
      return new SignalsScope(signals, call, attemptSpan);
    },
    callEnded(call, outcome) {
      const state = signals.failedCalls.get(call);
      if (state !== undefined) signals.failedCalls.delete(call);
      const last = state?.last;
      let ids = last === undefined ? undefined : traceIdsOf(last.span);
      // try/catch, not guard(): a closure per call for each step is what a storm pays most of.
      try {
        signals.metrics.callEnded(call, outcome);
      } catch (error) {
        diagnostics.report('metrics', error);
      }
      // A success whose attempt kept nothing: its end found successes not logged (remember),
      // so the call's debug line is not either — the level is not asked a second time.
      if (outcome.failure === undefined && state === undefined && outcome.attempts > 0) return;
      const told = outcome.failure !== undefined || state !== undefined;
      // One set of ids for the line and the event: the last attempt's span, else (a call
      // never sent, as under a remembered Retry-After) the caller's span, else Sentry's trace.
      if (ids === undefined && told && (signals.reporting || signals.logs !== undefined)) {
        const active = api.trace.getActiveSpan();
        const fromSentry = () => (signals.reporting ? sentryTraceIds(signals.sentry, diagnostics) : undefined);
        ids = active === undefined ? fromSentry() : (traceIdsOf(active) ?? fromSentry());
      }
      let eventId: string | undefined;
      // Sentry first: the call's line carries the id of the event.
      if (outcome.failure !== undefined && signals.reporting) {
        const traced = ids;
        const reported = guard(
          diagnostics,
          'Sentry',
          () =>
            signals.sentry.report(call, outcome, () => failedCallOf(call, outcome, state, traced, signals.withContext)),
          undefined,
        );
        eventId = reported?.eventId;
      }
      if (signals.logs === undefined) return;
      try {
        signals.logs.callEnded(call, outcome, ids, eventId);
      } catch (error) {
        diagnostics.report('logger', error);
      }
    },
  };
  return observer;
}

const NO_COUNT = { add: noop };

/** The metrics while no meter provider is registered: nothing to record into. */
const NO_METRICS: MetricSignal = {
  attemptEnded: noop,
  callEnded: noop,
  sentrySuppressed: noop,
  logSuppressed: () => NO_COUNT,
};

/** What the Sentry signal is told of a failed call; the breadcrumbs are built only if an event is sent. */
function failedCallOf(
  call: CallInfo,
  outcome: CallOutcome,
  state: FailedCallState | undefined,
  ids: TraceIds | undefined,
  withContext: Signals['withContext'],
): FailedCall {
  const last = state?.last;
  return {
    call,
    outcome,
    breadcrumbs: () => state?.attempts.map((failed) => breadcrumbOf(call, failed)) ?? [],
    ids,
    runInTrace: last === undefined ? (fn) => fn() : (fn) => withContext(last.context, fn),
  };
}
