import { logLevelOf } from '../../core/severity.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types/observers.js';
import {
  addAttemptAttributes,
  addFailureAttributes,
  addHedgeAttributes,
  addRetryAttributes,
  ATTR,
  callAttributes,
} from '../attributes.js';
import type { LogWriter } from './logWriter.js';
import { HELD_BACK, type HeldBackCount, LogSampler, type LogSamplingRule } from './logSampler.js';

export type { LogSamplingRule };

/** The ids that join a log line to its span and its Sentry event. */
export interface TraceIds {
  readonly traceId: string;
  /** Absent when the trace has no span here (Sentry's propagation context alone). */
  readonly spanId?: string;
}

/** Where a line's trace ids come from, asked only when the line is written. */
export interface TraceIdSource {
  traceIds(): TraceIds | undefined;
}

/** Writes faultline's log lines. */
export interface LogSignal {
  /**
   * A failed attempt that will be retried, or that failed while a hedge of the call is still
   * in flight: one warn line (unless sampling holds it back).
   */
  attemptRetried(call: CallInfo, outcome: AttemptOutcome, ids: TraceIdSource): void;
  /** True when successes are logged (debug), so callers can skip gathering for them. */
  logsSuccesses(): boolean;
  /**
   * The call's outcome: debug for a success, error or warn for a failure; `eventId` is
   * the id of the Sentry event that told of it, written as `sentry.event_id`.
   */
  callEnded(call: CallInfo, outcome: CallOutcome, ids: TraceIds | undefined, eventId?: string): void;
}

/** The field that joins a failure's line to its Sentry event (Sentry's own name for the id). */
const SENTRY_EVENT_ID = 'sentry.event_id';
/** On a sampled failure line: how many lines like it were held back since the last one written. */
const LOG_SUPPRESSED = 'faultline.log.suppressed';

/**
 * One JSON line per failed attempt that is retried (warn), one per failed call (error,
 * or warn for unauthorized / forbidden / throttled / client), successes at debug. Each
 * line carries the OpenTelemetry attribute names and `trace_id` / `span_id`, and a
 * reported failure's line the Sentry event's `sentry.event_id`. The last
 * attempt of a failed call is told by the call's line, so no attempt is logged twice.
 *
 * Lines go through `log`, the writer chosen once for the client's logger (winston, pino or
 * console): the same fields and levels whichever it is.
 *
 * With a sampling `rule`, failure lines are sampled per fingerprint on the clock `now`
 * (see {@link LogSampler}): retried attempts' lines and calls' lines each by a sampler of
 * their own, so retries never crowd out the lines that tell how calls ended. A line with a
 * Sentry event id is always written; successes are never sampled. `countOf` gives the
 * `faultline.log.suppressed` series of an upstream and kind (undefined when the metrics
 * cannot be reached: nothing is counted).
 */
export function createLogSignal(
  log: LogWriter,
  rule?: LogSamplingRule,
  now: () => number = Date.now,
  countOf: (call: CallInfo, kind: string) => HeldBackCount | undefined = () => undefined,
): LogSignal {
  const attemptSampler = rule === undefined ? undefined : new LogSampler(rule, now, countOf);
  const callSampler = rule === undefined ? undefined : new LogSampler(rule, now, countOf);
  const base = (call: CallInfo, ids: TraceIds | undefined): Record<string, unknown> => {
    const fields: Record<string, unknown> = callAttributes(call);
    if (ids !== undefined) {
      fields['trace_id'] = ids.traceId;
      if (ids.spanId !== undefined) fields['span_id'] = ids.spanId;
    }
    return fields;
  };

  return {
    logsSuccesses: () => log.enabled('debug'),
    attemptRetried(call, outcome, ids) {
      if (!log.enabled('warn')) return;
      const { failure, retry } = outcome;
      // Decided before anything is built: a held-back line costs one lookup.
      const heldBack = attemptSampler?.admit(call, failure?.kind ?? 'none') ?? 0;
      if (heldBack === HELD_BACK) return;
      const fields = addAttemptAttributes(base(call, ids.traceIds()), outcome.attempt);
      if (outcome.status !== undefined) fields[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      addFailureAttributes(fields, failure);
      fields[ATTR.DURATION_MS] = Math.round(outcome.durationMs);
      addRetryAttributes(fields, retry);
      addHedgeAttributes(fields, outcome.hedge);
      if (heldBack > 0) fields[LOG_SUPPRESSED] = heldBack;
      const why = failure === undefined ? '' : ` (${failure.kind} ${failure.code})`;
      const wait =
        retry !== undefined
          ? `; retrying in ${retry.delayMs} ms (${retry.reason})`
          : outcome.hedge === undefined
            ? ''
            : '; another attempt is still in flight (hedging)';
      log.write(
        'warn',
        `${call.upstream} ${call.method} ${call.route} attempt ${outcome.attempt} failed${why}${wait}`,
        fields,
      );
    },
    callEnded(call, outcome, ids, eventId) {
      const { failure } = outcome;
      const level = failure === undefined ? 'debug' : logLevelOf(failure.kind, outcome.fallback === true);
      if (!log.enabled(level)) return;
      // The line of a failure Sentry was told of is always written: it is the one a person
      // looks for from the event, and the Sentry cap already bounds how many there are.
      const heldBack = failure === undefined ? 0 : (callSampler?.admit(call, failure.kind, eventId !== undefined) ?? 0);
      if (heldBack === HELD_BACK) return;
      const fields = base(call, ids);
      fields[ATTR.ATTEMPTS] = outcome.attempts;
      if (outcome.attempts > 1) fields[ATTR.HTTP_REQUEST_RESEND_COUNT] = outcome.attempts - 1;
      if (outcome.hedges !== undefined) fields[ATTR.HEDGES] = outcome.hedges;
      if (outcome.status !== undefined) fields[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      fields[ATTR.DURATION_MS] = Math.round(outcome.durationMs);
      if (failure === undefined) {
        log.write(
          level,
          `${call.upstream} ${call.method} ${call.route} ${outcome.status ?? ''} in ${Math.round(outcome.durationMs)} ms`,
          fields,
        );
        return;
      }
      addFailureAttributes(fields, failure);
      if (outcome.stopReason !== undefined) fields[ATTR.STOP_REASON] = outcome.stopReason;
      if (eventId !== undefined) fields[SENTRY_EVENT_ID] = eventId;
      if (heldBack > 0) fields[LOG_SUPPRESSED] = heldBack;
      if (outcome.fallback === true) fields[ATTR.FALLBACK] = true;
      const attempts = outcome.attempts === 1 ? '1 attempt' : `${outcome.attempts} attempts`;
      const answered = outcome.fallback === true ? '; answered by fallback' : '';
      log.write(
        level,
        `${call.upstream} ${call.method} ${call.route} failed: ${failure.kind} ${failure.code} after ${attempts}${answered}`,
        fields,
      );
    },
  };
}
