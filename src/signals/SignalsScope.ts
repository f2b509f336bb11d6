import type { Context } from '@opentelemetry/api';
import type { AttemptOutcome, AttemptScope, CallInfo } from '../types/observers.js';
import { type Diagnostics, enterGuarded, guard } from '../core/diagnostics.js';
import type { LogSignal, TraceIds } from './logs/logSignal.js';
import type { MetricSignal } from './metrics/metricSignal.js';
import { undiciRecordsDurations } from './metrics/undiciDurationRecorder.js';
import type { FailedAttempt } from './sentry/breadcrumbOf.js';
import type { SentrySignal } from './sentry/sentrySignal.js';
import type { AttemptSpan, SpanSignal } from './spans/spanSignal.js';
import { propagateToSentry } from './propagateToSentry.js';
import { sentryTraceIds, traceIdsOf } from './traceIdsOf.js';
import { undiciRequestChannel } from './undiciRequestChannel.js';

/** What a call's failed attempts leave for the attempts after them and for its end. */
export interface FailedCallState {
  readonly attempts: FailedAttempt[];
  last: AttemptSpan;
  /**
   * The first attempt's context when the caller had no span: later attempts start under
   * it, so a retried call is one trace without a span of its own for the call.
   */
  root: Context | undefined;
}

/** What every attempt of a client shares: the four signals and the calls in flight. */
export interface Signals {
  readonly spans: SpanSignal;
  readonly metrics: MetricSignal;
  readonly logs: LogSignal | undefined;
  /** The app's Sentry as faultline's attempts meet it (headers, suppression, breadcrumbs). */
  readonly sentry: SentrySignal;
  /** True when failed calls become Sentry events (`report` not false). */
  readonly reporting: boolean;
  readonly diagnostics: Diagnostics;
  readonly failedCalls: WeakMap<CallInfo, FailedCallState>;
  readonly propagate: (context: Context, headers: Record<string, string>) => void;
  readonly withContext: <T>(context: Context, fn: () => T) => T;
}

/** One attempt as the signals see it. */
export class SignalsScope implements AttemptScope {
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
    if (this.attemptSpan.untraced === true) return fn();
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
    if (!undiciRequestChannel().hasSubscribers) return fn();
    const { sentry } = this.signals;
    // Sentry's span is suppressed only where faultline's stands in for it (a valid attempt
    // span, whose ids the headers carry): with none, Sentry's own span, headers and
    // breadcrumb are the request's, and suppressing them would leave a hole in the trace.
    // `sendsOwnSpan` first, always: it also redacts a Sentry set up since the client was made.
    const suppressSentry = sentry.sendsOwnSpan() && traceIdsOf(this.attemptSpan.span) !== undefined;
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
    if (this.attemptSpan.untraced === true) return;
    try {
      this.signals.propagate(this.attemptSpan.context, headers);
      // Sentry's instrumentation adds its headers only to a request without `sentry-trace`.
      if (this.signals.sentry.present()) propagateToSentry(this.attemptSpan.span, headers);
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
      guard(diagnostics, 'Sentry (breadcrumb)', () => signals.sentry.breadcrumb(call, outcome), undefined);
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
    if (signals.reporting) state.attempts.push({ outcome, at: Date.now() });
    // A failed attempt the call goes on after: retried, or raced by a hedge still in flight.
    const goesOn = outcome.retry !== undefined || (outcome.hedge !== undefined && outcome.stopReason === undefined);
    if (goesOn && signals.logs !== undefined) signals.logs.attemptRetried(call, outcome, this);
  }

  traceIds(): TraceIds | undefined {
    const { signals } = this;
    return (
      traceIdsOf(this.attemptSpan.span) ??
      (signals.reporting ? sentryTraceIds(signals.sentry, signals.diagnostics) : undefined)
    );
  }
}
