import diagnosticsChannel from 'node:diagnostics_channel';
import type { Context, Meter, Span, Tracer } from '@opentelemetry/api';
import type { LogLevel } from '../config/envConfig.js';
import { markSelfGuarded } from '../guarded/observerFanout.js';
import type { Redactor } from '../redaction/Redactor.js';
import type { ReportOptions } from '../types/client.js';
import type { FaultlineLogger } from '../types/logger.js';
import type { AttemptOutcome, AttemptScope, CallInfo, CallOutcome, RequestObserver } from '../types/observers.js';
import { asDiagnostics, type Diagnostics, type DiagnosticsSinkLike, enterGuarded, guard } from '../core/diagnostics.js';
import { logWriterFor } from './logs/logWriter.js';
import { createLogSignal, type LogSamplingRule, type LogSignal, type TraceIds } from './logs/logSignal.js';
import {
  type CircuitGauge,
  createMetricSignal,
  type MetricSignal,
  type SharedStateHealth,
} from './metrics/metricSignal.js';
import { otelApi } from './otelApi.js';
import { breadcrumbOf, type FailedAttempt } from './sentry/breadcrumbOf.js';
import type { FleetCap } from '../shared/sharedCap.js';
import { createSentrySignal, type FailedCall, type SentrySignal } from './sentry/sentrySignal.js';
import { scrubAppSentry } from './sentry/scrubSentry.js';
import { type AttemptSpan, createSpanSignal, type SpanSignal } from './spans/spanSignal.js';
import { propagateToSentry } from './propagateToSentry.js';
import { undiciRecordsDurations } from './metrics/undiciDurationRecorder.js';
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

/** What a call's failed attempts leave for the attempts after them and for its end. */
interface FailedCallState {
  readonly attempts: FailedAttempt[];
  last: AttemptSpan;
  /**
   * The first attempt's context when the caller had no span: later attempts start under
   * it, so a retried call is one trace without a span of its own for the call.
   */
  root: Context | undefined;
}

interface Signals {
  readonly spans: SpanSignal;
  readonly metrics: MetricSignal;
  readonly logs: LogSignal | undefined;
  readonly sentry: SentrySignal | undefined;
  readonly diagnostics: Diagnostics;
  readonly failedCalls: WeakMap<CallInfo, FailedCallState>;
  readonly propagate: (context: Context, headers: Record<string, string>) => void;
  readonly withContext: <T>(context: Context, fn: () => T) => T;
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
      // Instruments are made lazily so a meter provider registered after the client is used.
      metrics ??= createMetricSignal(options.meter, options.circuits, options.sharedState);
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
    sentry:
      options.report === false
        ? undefined
        : createSentrySignal(
            options.report,
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
      guard(diagnostics, 'metrics', () => signals.metrics.callEnded(call, outcome), undefined);
      const told = outcome.failure !== undefined || state !== undefined;
      // One set of ids for the line and the event: the last attempt's span, else (a call
      // never sent, as under a remembered Retry-After) the caller's span, else Sentry's trace.
      if (ids === undefined && told && (signals.sentry !== undefined || signals.logs !== undefined)) {
        const active = api.trace.getActiveSpan();
        ids = active === undefined ? sentryTraceIds(signals) : (traceIdsOf(active) ?? sentryTraceIds(signals));
      }
      let eventId: string | undefined;
      // Sentry first: the call's line carries the id of the event.
      if (outcome.failure !== undefined && signals.sentry !== undefined) {
        const traced = ids;
        const reported = guard(
          diagnostics,
          'Sentry',
          () =>
            signals.sentry?.report(call, outcome, () =>
              failedCallOf(call, outcome, state, traced, signals.withContext),
            ),
          undefined,
        );
        eventId = reported?.eventId;
      }
      if (signals.logs === undefined) return;
      guard(diagnostics, 'logger', () => signals.logs?.callEnded(call, outcome, ids, eventId), undefined);
    },
  };
  return markSelfGuarded(observer);
}

/** The channel OpenTelemetry's and Sentry's undici instrumentations subscribe to. */
const undiciRequestChannel = diagnosticsChannel.channel('undici:request:create');

/** One attempt as the signals see it. */
class SignalsScope implements AttemptScope {
  /** True once `send` suppressed Sentry's tracing of this attempt's request. */
  private sentrySuppressed = false;
  /** Set once the attempt reaches undici, where another instrumentation may record it. */
  private sent = false;

  constructor(
    private readonly signals: Signals,
    private readonly call: CallInfo,
    private readonly attemptSpan: AttemptSpan,
  ) {}

  run<T>(fn: () => T): T {
    return enterGuarded(
      this.signals.diagnostics,
      'context (run)',
      (inner) => this.signals.withContext(this.attemptSpan.context, inner),
      fn,
    );
  }

  send<T>(fn: () => T): T {
    this.sent = true;
    // Only an instrumentation listening to undici's requests could add a second span;
    // with none subscribed there is nothing to suppress and no context to enter.
    if (!undiciRequestChannel.hasSubscribers) return fn();
    const { sentry } = this.signals;
    // Sentry's span is suppressed only where faultline's stands in for it (a valid attempt
    // span, whose ids the headers carry): with none, Sentry's own span, headers and
    // breadcrumb are the request's, and suppressing them would leave a hole in the trace.
    const suppressSentry =
      sentry !== undefined && traceIdsOf(this.attemptSpan.span) !== undefined && sentry.sendsOwnSpan();
    if (suppressSentry) this.sentrySuppressed = true;
    return enterGuarded(
      this.signals.diagnostics,
      'context (send)',
      (inner) =>
        this.signals.withContext(
          this.signals.spans.suppressed(this.attemptSpan.context),
          suppressSentry ? () => sentry.suppressTracing(inner) : inner,
        ),
      fn,
    );
  }

  inject(headers: Record<string, string>): void {
    try {
      this.signals.propagate(this.attemptSpan.context, headers);
      // Sentry's instrumentation adds its headers only to a request without `sentry-trace`.
      if (this.signals.sentry?.present() === true) propagateToSentry(this.attemptSpan.span, headers);
    } catch (error) {
      this.signals.diagnostics.report('propagator', error);
    }
  }

  end(outcome: AttemptOutcome): void {
    const { signals, call, attemptSpan } = this;
    const { diagnostics } = signals;
    try {
      signals.spans.end(attemptSpan, outcome, call);
    } catch (error) {
      diagnostics.report('span', error);
    }
    try {
      // One duration point per attempt across instrumentations: an attempt that reached
      // undici is OpenTelemetry's undici instrumentation's to record when it listens.
      signals.metrics.attemptEnded(call, outcome, !(this.sent && undiciRecordsDurations()));
    } catch (error) {
      diagnostics.report('metrics', error);
    }
    try {
      this.remember(outcome);
    } catch (error) {
      diagnostics.report('logger', error);
    }
    // Sentry's integration leaves no breadcrumb for a request whose tracing is suppressed.
    if (this.sentrySuppressed && outcome.hedge?.outcome !== 'lost')
      guard(diagnostics, 'Sentry (breadcrumb)', () => signals.sentry?.breadcrumb(call, outcome), undefined);
  }

  hedged(): void {
    try {
      // The hedge's span joins this attempt's trace, as a retry's would.
      const { signals, call, attemptSpan } = this;
      if (signals.failedCalls.has(call)) return;
      const root = attemptSpan.root ? attemptSpan.context : undefined;
      signals.failedCalls.set(call, { attempts: [], last: attemptSpan, root });
    } catch (error) {
      this.signals.diagnostics.report('span', error);
    }
  }

  /** Keeps what callEnded needs (the span, the breadcrumbs) and logs a retried attempt (its ids only if written). */
  private remember(outcome: AttemptOutcome): void {
    const { signals, call, attemptSpan } = this;
    // A lost hedge race tells nothing of the call: its span and metrics said it all.
    if (outcome.hedge?.outcome === 'lost') return;
    if (outcome.failure === undefined) {
      // A success is logged by callEnded, which needs this span's ids.
      if (signals.logs?.logsSuccesses() === true)
        signals.failedCalls.set(call, { attempts: [], last: attemptSpan, root: undefined });
      return;
    }
    let state = signals.failedCalls.get(call);
    if (state === undefined) {
      state = { attempts: [], last: attemptSpan, root: attemptSpan.root ? attemptSpan.context : undefined };
      signals.failedCalls.set(call, state);
    }
    state.last = attemptSpan;
    if (signals.sentry !== undefined) state.attempts.push({ outcome, at: Date.now() });
    // A failed attempt the call goes on after: retried, or raced by a hedge still in flight.
    const goesOn = outcome.retry !== undefined || (outcome.hedge !== undefined && outcome.stopReason === undefined);
    if (goesOn && signals.logs !== undefined) signals.logs.attemptRetried(call, outcome, this);
  }

  traceIds(): TraceIds | undefined {
    return traceIdsOf(this.attemptSpan.span) ?? sentryTraceIds(this.signals);
  }
}

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

/**
 * Without OpenTelemetry a line is joined to Sentry by the trace Sentry's events carry
 * here (its propagation context); nothing when Sentry is not set up.
 */
function sentryTraceIds(signals: Signals): TraceIds | undefined {
  const { sentry } = signals;
  if (sentry === undefined) return undefined;
  try {
    return sentry.traceIds();
  } catch (error) {
    signals.diagnostics.report('Sentry', error);
    return undefined;
  }
}

function traceIdsOf(span: Span): TraceIds | undefined {
  const context = span.spanContext();
  return otelApi().isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : undefined;
}
