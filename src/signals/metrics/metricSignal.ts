import type { Attributes, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { CircuitInfo } from '../../policies/circuitBreaker/circuits.js';
import type { CircuitState } from '../../policies/circuitBreaker/circuitRecord.js';
import type { LimiterInfo } from '../../types/policy.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types/observers.js';
import { ATTR, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from '../attributes.js';
import { otelApi } from '../otelApi.js';

/** The numbers the `faultline.circuit.state` gauge reports. */
const CIRCUIT_STATE_VALUES: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** The semantic conventions' buckets for `http.client.request.duration`, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Records faultline's metrics. */
export interface MetricSignal {
  /**
   * Records an attempt. `duration` false leaves its `http.client.request.duration` point to
   * another instrumentation that recorded it already (see `undiciRecordsDurations`).
   */
  attemptEnded(call: CallInfo, outcome: AttemptOutcome, duration?: boolean): void;
  callEnded(call: CallInfo, outcome: CallOutcome): void;
  /** A Sentry event was kept back by the per-fingerprint cap. */
  sentrySuppressed(call: CallInfo, kind: string): void;
  /**
   * The count of log lines held back by sampling for the call's upstream and `kind`:
   * looked up once per fingerprint, so a storm's held-back line costs one increment.
   */
  logSuppressed(call: CallInfo, kind: string): Count;
}

/** One circuit as the `faultline.circuit.state` gauge reads it (a per-route circuit has its route). */
export type CircuitGauge = Pick<CircuitInfo, 'upstream' | 'route' | 'state'>;

/** One concurrency limiter as its gauges read it, live (a per-route limiter has its route). */
export type LimiterGauge = Pick<LimiterInfo, 'upstream' | 'route' | 'limit' | 'inFlight'>;

/** A client's shared state as the health gauge sees it. */
export interface SharedStateHealth {
  /** The client's name: the gauge's `faultline.upstream`. */
  readonly upstream: string;
  healthy(): boolean;
}

/** One series of a counter, kept to count into without looking it up again. */
export interface Count {
  add(): void;
}

/**
 * Instruments:
 * - `http.client.request.duration` (histogram, s): every attempt, with the semantic
 *   conventions' attributes and buckets plus `faultline.upstream` and
 *   `faultline.failure.kind`. Its count is the attempts counter: a success records
 *   nothing else, which keeps the hot path to one attribute set (the SDK hashes every
 *   set it is given). An attempt sent while OpenTelemetry's undici instrumentation
 *   listens is recorded by that instrumentation instead (one point per request, under its
 *   own scope and without faultline's attributes), never by both.
 * - `faultline.retries` (counter): retries by upstream, reason, delay source and kind.
 * - `faultline.retry.delay` (histogram, s): how long each retry waited.
 * - `faultline.hedges` (counter): hedges sent, by upstream and outcome (`won`, `lost`,
 *   `failed`); attempts of a hedge race also carry `faultline.hedge.outcome` on the
 *   duration histogram (a `lost` one's duration ends where it was aborted).
 * - `faultline.failures` (counter): calls that failed after retries, by kind and stop
 *   reason. Calls are attempts minus retries.
 * - `faultline.fallbacks` (counter): failed calls a fallback answered, by kind (they are
 *   counted in `faultline.failures` too: the upstream failed all the same).
 * - `faultline.circuit.state` (gauge): 0 closed, 1 half-open, 2 open, by upstream (and
 *   `faultline.route` for a breaker's per-route circuits).
 * - `faultline.concurrency.limit` and `faultline.concurrency.in_flight` (gauges): an
 *   `adaptiveConcurrency` limiter's current limit and attempts in flight, by upstream (and
 *   `faultline.route` for a per-route limiter). Its refusals are `faultline.failures`
 *   with kind `load_shed`.
 * - `faultline.sentry.suppressed` (counter): Sentry events held back by the cap.
 * - `faultline.log.suppressed` (counter): failure log lines held back by sampling, by
 *   upstream and kind.
 * - `faultline.shared_state.healthy` (gauge): 1 while the client's shared state reaches
 *   Redis, 0 while its decisions are local; only for clients with shared state.
 *
 * Every instrument has a unit: seconds, `1` for the gauges, and for the counters what
 * they count in UCUM's curly-brace annotations (`{retry}`, `{hedge}`, `{failure}`,
 * `{fallback}`, `{event}`, `{log_record}`).
 *
 * The counters are asynchronous: faultline counts in a map and the SDK reads the totals
 * when it collects, so a failure storm costs a map update per event, not an attribute
 * set hashed by the SDK for each.
 */
export function createMetricSignal(
  meter?: Meter,
  circuits: ReadonlyMap<string, CircuitGauge> = new Map(),
  shared?: SharedStateHealth,
  limiters: ReadonlyMap<string, LimiterGauge> = new Map(),
): MetricSignal {
  const m = meter ?? otelApi().metrics.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const durations: Histogram = m.createHistogram('http.client.request.duration', {
    unit: 's',
    description: 'Duration of HTTP client requests (each attempt).',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const retries = new Tally(m, 'faultline.retries', '{retry}', 'Retries scheduled, by reason and delay source.');
  const retryDelay: Histogram = m.createHistogram('faultline.retry.delay', {
    unit: 's',
    description: 'How long each retry waited.',
    advice: { explicitBucketBoundaries: WAIT_BUCKETS },
  });
  const hedges = new Tally(m, 'faultline.hedges', '{hedge}', 'Hedges sent, by how they ended (won, lost, failed).');
  const failures = new Tally(
    m,
    'faultline.failures',
    '{failure}',
    'Calls that failed after retries, by kind and stop reason.',
  );
  const fallbacks = new Tally(m, 'faultline.fallbacks', '{fallback}', 'Failed calls answered by a fallback, by kind.');
  const suppressed = new Tally(
    m,
    'faultline.sentry.suppressed',
    '{event}',
    'Sentry events held back by the per-fingerprint cap.',
  );
  const logSuppressed = new Tally(
    m,
    'faultline.log.suppressed',
    '{log_record}',
    'Failure log lines held back by storm sampling.',
  );
  const circuit = m.createObservableGauge('faultline.circuit.state', {
    unit: '1',
    description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
  });
  circuit.addCallback((result) => {
    for (const { upstream, route, state } of circuits.values())
      result.observe(
        CIRCUIT_STATE_VALUES[state],
        route === undefined ? { [ATTR.UPSTREAM]: upstream } : { [ATTR.UPSTREAM]: upstream, [ATTR.ROUTE]: route },
      );
  });
  const limitGauge = m.createObservableGauge('faultline.concurrency.limit', {
    unit: '{request}',
    description: 'Adaptive concurrency: the attempts in flight the limit admits.',
  });
  const inFlightGauge = m.createObservableGauge('faultline.concurrency.in_flight', {
    unit: '{request}',
    description: 'Adaptive concurrency: attempts admitted and not yet ended.',
  });
  // Read when the SDK collects: a limiter's numbers cost nothing per call.
  m.addBatchObservableCallback(
    (result) => {
      for (const { upstream, route, limit, inFlight } of limiters.values()) {
        const attributes =
          route === undefined ? { [ATTR.UPSTREAM]: upstream } : { [ATTR.UPSTREAM]: upstream, [ATTR.ROUTE]: route };
        result.observe(limitGauge, limit, attributes);
        result.observe(inFlightGauge, inFlight, attributes);
      }
    },
    [limitGauge, inFlightGauge],
  );
  if (shared !== undefined) {
    const attributes = { [ATTR.UPSTREAM]: shared.upstream };
    m.createObservableGauge('faultline.shared_state.healthy', {
      unit: '1',
      description: 'Shared state: 1 while rounds reach Redis, 0 while every decision is local to this replica.',
    }).addCallback((result) => result.observe(shared.healthy() ? 1 : 0, attributes));
  }

  return {
    attemptEnded(call, outcome, duration = true) {
      const attributes: Attributes = {
        [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
        [ATTR.SERVER_ADDRESS]: call.serverAddress,
        [ATTR.SERVER_PORT]: call.serverPort,
        [ATTR.UPSTREAM]: call.upstream,
      };
      if (call.protocolVersion !== undefined) attributes[ATTR.NETWORK_PROTOCOL_VERSION] = call.protocolVersion;
      if (outcome.status !== undefined) attributes[ATTR.HTTP_RESPONSE_STATUS_CODE] = outcome.status;
      const { failure, retry } = outcome;
      if (failure !== undefined) {
        attributes[ATTR.ERROR_TYPE] = failure.code;
        attributes[ATTR.FAILURE_KIND] = failure.kind;
      }
      const { hedge } = outcome;
      if (hedge !== undefined) {
        attributes[ATTR.HEDGE_OUTCOME] = hedge.outcome;
        if (hedge.index > 0)
          hedges.add(`${call.upstream}\u0000${hedge.outcome}`, () => ({
            [ATTR.UPSTREAM]: call.upstream,
            [ATTR.HEDGE_OUTCOME]: hedge.outcome,
          }));
      }
      if (duration) durations.record(outcome.durationMs / 1000, attributes);
      if (retry === undefined) return;
      const kind = failure?.kind ?? 'none';
      const retryAttributes = retries.add(
        `${call.upstream}\u0000${retry.reason}\u0000${retry.delaySource}\u0000${kind}`,
        () => ({
          [ATTR.UPSTREAM]: call.upstream,
          [ATTR.RETRY_REASON]: retry.reason,
          [ATTR.RETRY_DELAY_SOURCE]: retry.delaySource,
          [ATTR.FAILURE_KIND]: kind,
        }),
      );
      retryDelay.record(retry.delayMs / 1000, retryAttributes);
    },
    callEnded(call, outcome) {
      const { failure } = outcome;
      if (failure === undefined) return;
      const stopReason = outcome.stopReason ?? 'unknown';
      failures.add(`${call.upstream}\u0000${call.requestMethod}\u0000${failure.kind}\u0000${stopReason}`, () => ({
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
        [ATTR.FAILURE_KIND]: failure.kind,
        [ATTR.STOP_REASON]: stopReason,
      }));
      if (outcome.fallback !== true) return;
      fallbacks.add(`${call.upstream}\u0000${call.requestMethod}\u0000${failure.kind}`, () => ({
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
        [ATTR.FAILURE_KIND]: failure.kind,
      }));
    },
    sentrySuppressed(call, kind) {
      suppressed.add(`${call.upstream}\u0000${kind}`, () => ({
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.FAILURE_KIND]: kind,
      }));
    },
    logSuppressed(call, kind) {
      return logSuppressed.series(`${call.upstream}\u0000${kind}`, () => ({
        [ATTR.UPSTREAM]: call.upstream,
        [ATTR.FAILURE_KIND]: kind,
      }));
    },
  };
}

/** Distinct attribute sets a tally keeps before it folds new ones into an overflow series. */
const MAX_SERIES = 2_000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** One attribute set's total. */
class Series implements Count {
  total = 0;

  constructor(readonly attributes: Attributes) {}

  add(): void {
    this.total++;
  }
}

/**
 * A monotonic counter whose totals faultline keeps itself and reports through an
 * observable counter when the SDK collects. Each series is named by a key (its attribute
 * values joined in one fixed order) and its attribute set is built only when the series
 * is new, so counting one more in a storm allocates nothing but the key.
 */
class Tally {
  private readonly byKey = new Map<string, Series>();
  private readonly overflow = new Series(OVERFLOW);

  constructor(meter: Meter, name: string, unit: string, description: string) {
    meter.createObservableCounter(name, { unit, description }).addCallback((result) => this.observe(result));
  }

  /** Counts one for the series `key`; returns its attribute set (built by `attributes` when new). */
  add(key: string, attributes: () => Attributes): Attributes {
    const series = this.series(key, attributes);
    series.add();
    return series.attributes;
  }

  /**
   * The series named `key` (its attribute values joined in one fixed order), to count into
   * now or later; its attribute set is built only when it is new. The overflow series once
   * the tally is full.
   */
  series(key: string, attributes: () => Attributes): Series {
    let series = this.byKey.get(key);
    if (series !== undefined) return series;
    if (this.byKey.size >= MAX_SERIES) return this.overflow;
    series = new Series(attributes());
    this.byKey.set(key, series);
    return series;
  }

  private observe(result: ObservableResult): void {
    for (const { attributes, total } of this.byKey.values()) if (total > 0) result.observe(total, attributes);
    if (this.overflow.total > 0) result.observe(this.overflow.total, OVERFLOW);
  }
}
