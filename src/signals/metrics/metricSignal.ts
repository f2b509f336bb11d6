import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { CIRCUIT_STATE_VALUES, circuitStates } from '../../strategies/circuitRegistry.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types.js';
import { ATTR, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from '../attributes.js';
import { otelApi } from '../otelApi.js';

/** The semantic conventions' buckets for `http.client.request.duration`, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Records faultline's metrics. */
export interface MetricSignal {
  attemptEnded(call: CallInfo, outcome: AttemptOutcome): void;
  callEnded(call: CallInfo, outcome: CallOutcome): void;
  /** A Sentry event was kept back by the per-fingerprint cap. */
  sentrySuppressed(call: CallInfo, kind: string): void;
}

/**
 * Instruments:
 * - `http.client.request.duration` (histogram, s): every attempt, with the semantic
 *   conventions' attributes and buckets plus `faultline.upstream` and
 *   `faultline.failure.kind`. Its count is the attempts counter: a success records
 *   nothing else, which keeps the hot path to one attribute set (the SDK hashes every
 *   set it is given).
 * - `faultline.retries` (counter): retries by upstream, reason, delay source and kind.
 * - `faultline.retry.delay` (histogram, s): how long each retry waited.
 * - `faultline.failures` (counter): calls that failed after retries, by kind and stop
 *   reason. Calls are attempts minus retries.
 * - `faultline.circuit.state` (gauge): 0 closed, 1 half-open, 2 open, by upstream.
 * - `faultline.sentry.suppressed` (counter): Sentry events held back by the cap.
 */
export function createMetricSignal(meter?: Meter): MetricSignal {
  const m = meter ?? otelApi().metrics.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const duration: Histogram = m.createHistogram('http.client.request.duration', {
    unit: 's',
    description: 'Duration of HTTP client requests (each attempt).',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const retries: Counter = m.createCounter('faultline.retries', {
    description: 'Retries scheduled, by reason and delay source.',
  });
  const retryDelay: Histogram = m.createHistogram('faultline.retry.delay', {
    unit: 's',
    description: 'How long each retry waited.',
    advice: { explicitBucketBoundaries: WAIT_BUCKETS },
  });
  const failures: Counter = m.createCounter('faultline.failures', {
    description: 'Calls that failed after retries, by kind and stop reason.',
  });
  const suppressed: Counter = m.createCounter('faultline.sentry.suppressed', {
    description: 'Sentry events held back by the per-fingerprint cap.',
  });
  const circuit = m.createObservableGauge('faultline.circuit.state', {
    description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
  });
  circuit.addCallback((result) => {
    for (const [upstream, state] of circuitStates())
      result.observe(CIRCUIT_STATE_VALUES[state], { [ATTR.UPSTREAM]: upstream });
  });

  return {
    attemptEnded(call, outcome) {
      const attributes: Attributes = {
        [ATTR.HTTP_REQUEST_METHOD]: call.method,
        [ATTR.SERVER_ADDRESS]: call.serverAddress,
        [ATTR.SERVER_PORT]: call.serverPort,
        [ATTR.UPSTREAM]: call.upstream,
      };
      if (outcome.status !== undefined) attributes[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      const { failure, retry } = outcome;
      if (failure !== undefined) {
        attributes[ATTR.ERROR_TYPE] = failure.code;
        attributes[ATTR.FAILURE_KIND] = failure.kind;
      }
      duration.record(outcome.durationMs / 1000, attributes);
      if (retry === undefined) return;
      const retryAttributes: Attributes = {
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.RETRY_REASON]: retry.reason,
        [ATTR.RETRY_DELAY_SOURCE]: retry.delaySource,
        [ATTR.FAILURE_KIND]: failure?.kind ?? 'none',
      };
      retries.add(1, retryAttributes);
      retryDelay.record(retry.delayMs / 1000, retryAttributes);
    },
    callEnded(call, outcome) {
      if (outcome.failure === undefined) return;
      failures.add(1, {
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.HTTP_REQUEST_METHOD]: call.method,
        [ATTR.FAILURE_KIND]: outcome.failure.kind,
        [ATTR.STOP_REASON]: outcome.stopReason ?? 'unknown',
      });
    },
    sentrySuppressed(call, kind) {
      suppressed.add(1, { [ATTR.UPSTREAM]: call.upstream, [ATTR.FAILURE_KIND]: kind });
    },
  };
}
