import type { Logger } from 'winston';
import { logLevelOf } from '../../core/severity.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types/observers.js';
import { addAttemptAttributes, addFailureAttributes, addRetryAttributes, ATTR, callAttributes } from '../attributes.js';

/** The ids that join a log line to its span and its Sentry event. */
export interface TraceIds {
  readonly traceId: string;
  /** Absent when the trace has no span here (Sentry's propagation context alone). */
  readonly spanId?: string;
}

/** Writes faultline's log lines. */
export interface LogSignal {
  /** A failed attempt that will be retried: one warn line. */
  attemptRetried(call: CallInfo, outcome: AttemptOutcome, ids: TraceIds | undefined): void;
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

/**
 * One JSON line per failed attempt that is retried (warn), one per failed call (error,
 * or warn for unauthorized / forbidden / throttled / client), successes at debug. Each
 * line carries the OpenTelemetry attribute names and `trace_id` / `span_id`, and a
 * reported failure's line the Sentry event's `sentry.event_id`. The last
 * attempt of a failed call is told by the call's line, so no attempt is logged twice.
 */
export function createLogSignal(logger: Logger): LogSignal {
  const base = (call: CallInfo, ids: TraceIds | undefined): Record<string, unknown> => {
    const fields: Record<string, unknown> = callAttributes(call);
    if (ids !== undefined) {
      fields['trace_id'] = ids.traceId;
      if (ids.spanId !== undefined) fields['span_id'] = ids.spanId;
    }
    return fields;
  };

  /**
   * Writes one line. The fields become winston's info object as they are: the one-argument
   * form of `log` spares each line winston's copy of them and its search of the message
   * for printf tokens. (`defaultMeta` is still added, by winston.)
   */
  const write = (level: string, message: string, fields: Record<string, unknown>): void => {
    fields['level'] = level;
    fields['message'] = message;
    logger.log(fields as { level: string; message: string });
  };

  return {
    logsSuccesses: () => logger.isLevelEnabled('debug'),
    attemptRetried(call, outcome, ids) {
      if (!logger.isLevelEnabled('warn')) return;
      const { failure, retry } = outcome;
      const fields = addAttemptAttributes(base(call, ids), outcome.attempt);
      if (outcome.status !== undefined) fields[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      addFailureAttributes(fields, failure);
      fields[ATTR.DURATION_MS] = Math.round(outcome.durationMs);
      addRetryAttributes(fields, retry);
      const why = failure === undefined ? '' : ` (${failure.kind} ${failure.code})`;
      const wait = retry === undefined ? '' : `; retrying in ${retry.delayMs} ms (${retry.reason})`;
      write(
        'warn',
        `${call.upstream} ${call.method} ${call.route} attempt ${outcome.attempt} failed${why}${wait}`,
        fields,
      );
    },
    callEnded(call, outcome, ids, eventId) {
      const { failure } = outcome;
      const level = failure === undefined ? 'debug' : logLevelOf(failure.kind);
      if (!logger.isLevelEnabled(level)) return;
      const fields = base(call, ids);
      fields[ATTR.ATTEMPTS] = outcome.attempts;
      if (outcome.attempts > 1) fields[ATTR.HTTP_REQUEST_RESEND_COUNT] = outcome.attempts - 1;
      if (outcome.status !== undefined) fields[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      fields[ATTR.DURATION_MS] = Math.round(outcome.durationMs);
      if (failure === undefined) {
        write(
          level,
          `${call.upstream} ${call.method} ${call.route} ${outcome.status ?? ''} in ${Math.round(outcome.durationMs)} ms`,
          fields,
        );
        return;
      }
      addFailureAttributes(fields, failure);
      if (outcome.stopReason !== undefined) fields[ATTR.STOP_REASON] = outcome.stopReason;
      if (eventId !== undefined) fields[SENTRY_EVENT_ID] = eventId;
      const attempts = outcome.attempts === 1 ? '1 attempt' : `${outcome.attempts} attempts`;
      write(
        level,
        `${call.upstream} ${call.method} ${call.route} failed: ${failure.kind} ${failure.code} after ${attempts}`,
        fields,
      );
    },
  };
}
