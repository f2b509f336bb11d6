import { DEFAULTS } from '../../core/defaults.js';
import { severityOf } from '../../core/severity.js';
import { createRequestFailure } from '../../errors/createRequestFailure.js';
import type { Redactor } from '../../redaction/Redactor.js';
import type { ReportOptions } from '../../types/client.js';
import type { FailureKind } from '../../types/failure.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../types/observers.js';
import { markReported } from '../../errors/reportedFailures.js';
import { nodeCrypto } from '../../core/nodeBuiltins.js';
import { addFailureAttributes, ATTR } from '../attributes.js';
import type { TraceIds } from '../logs/logSignal.js';
import type { FleetCap } from '../../shared/sharedCap.js';
import { ReportCap } from './reportCap.js';
import { scrubSentryClient } from './scrubSentry.js';
import {
  findSentry,
  type SentryApi,
  type SentryBreadcrumb,
  type SentryClientLike,
  type SentryEventLike,
} from './sentryApi.js';

/** What the Sentry signal is told of a failed call. */
export interface FailedCall {
  readonly call: CallInfo;
  readonly outcome: CallOutcome;
  /** The attempts as breadcrumbs, built only for an event the cap lets through. */
  readonly breadcrumbs: () => readonly SentryBreadcrumb[];
  /**
   * The ids the call's log line carries (its last attempt's span, else the caller's, else
   * Sentry's trace): the event carries exactly these, so the two join on trace and span.
   */
  readonly ids: TraceIds | undefined;
  /** Runs the capture with the failing attempt's span active (links the event to the trace). */
  readonly runInTrace: <T>(fn: () => T) => T;
}

/** What a captured event leaves for the call's log line to be joined on. */
export interface Reported {
  /** The id `captureException` returned. */
  readonly eventId: string;
  /** The trace the event carries: the OpenTelemetry ids, else Sentry's own. */
  readonly ids: TraceIds | undefined;
}

/** Sends one Sentry event per failed call, capped per fingerprint. */
export interface SentrySignal {
  /**
   * Reports a failed call; undefined when no event was captured (kind, cap, no Sentry
   * client). `describe` is called only for an event that is sent: in a storm the cap
   * holds back nearly every one, and those cost no more than the cap's count.
   */
  report(call: CallInfo, outcome: CallOutcome, describe: () => FailedCall): Reported | undefined;
  /** The trace an event captured here would carry, when Sentry is set up. */
  traceIds(): TraceIds | undefined;
  /** True when a Sentry client is set up in this process. */
  present(): boolean;
  /**
   * True when Sentry is set up to record spans of its own (its undici integration would make
   * one). Also redacts what a Sentry client set up after this one was made records.
   */
  sendsOwnSpan(): boolean;
  /** Runs `fn` with Sentry's own tracing suppressed, when Sentry is loaded. */
  suppressTracing<T>(fn: () => T): T;
  /**
   * The HTTP breadcrumb Sentry's undici integration leaves for a request, for an attempt
   * whose tracing faultline suppressed (Sentry then leaves none): `type`/`category` `http`,
   * `url` (redacted), `method`, `status_code`.
   */
  breadcrumb(call: CallInfo, outcome: AttemptOutcome): void;
}

/**
 * One event per failed call (not per attempt), after retries: tags, a fingerprint of
 * `faultline / upstream / method / route / kind` so a thousand URLs of one endpoint are
 * one issue, the level by kind, attempts as breadcrumbs, linked to the trace.
 */
export function createSentrySignal(
  options: ReportOptions,
  redactor: Redactor,
  onSuppressed: (call: CallInfo, kind: FailureKind) => void,
  now: () => number,
  fleetCap?: FleetCap,
): SentrySignal {
  const kinds = new Set(options.kinds ?? DEFAULTS.reportKinds);
  const cap = new ReportCap(options.capPerMinute ?? DEFAULTS.reportCapPerMinute, fleetCap);
  const tracesWith = tracingOf();

  const capture = (
    api: SentryApi,
    client: SentryClientLike,
    failed: FailedCall,
    suppressedBefore: number,
  ): Reported => {
    scrubSentryClient(client, redactor);
    const { call, outcome } = failed;
    const failure = outcome.failure!;
    // Without its cause: Sentry would send the cause chain as linked exceptions, and the
    // kind, code and message already say what it was.
    const { cause: _cause, ...withoutCause } = failure;
    const message =
      suppressedBefore > 0
        ? `${failure.message}; ${suppressedBefore} more like it held back by the cap`
        : failure.message;
    const error = createRequestFailure({
      failure: { ...withoutCause, message },
      method: call.method,
      url: call.url,
      attempts: outcome.attempts,
    });

    return failed.runInTrace((): Reported => {
      // A copy of the active scope, never the active scope itself: under some set-ups (an
      // OpenTelemetry context manager that is not Sentry's) `withScope` forks nothing, and
      // what faultline set there would land on the application's own events.
      const scope = api.forkScope();
      if (scope === undefined) return { eventId: '', ids: failed.ids };
      {
        const tags: Record<string, string> = addFailureAttributes(
          {
            [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
            [LEGACY_METHOD_TAG]: call.method,
            [ATTR.SERVER_ADDRESS]: call.serverAddress,
            [ATTR.UPSTREAM]: call.upstream,
            [ATTR.ROUTE]: call.route,
          },
          failure,
        );
        if (call.requestMethod !== call.method) tags[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] = call.method;
        if (failure.status !== undefined) {
          const status = String(failure.status);
          tags[ATTR.HTTP_RESPONSE_STATUS_CODE] = status;
          tags[LEGACY_STATUS_TAG] = status;
        }
        if (outcome.fallback === true) tags[ATTR.FALLBACK] = 'true';
        scope.setTags(tags);
        // Sentry's Dedupe integration (a client processor) drops an event that repeats the
        // last one: same exception, fingerprint and frames, which every failure of one
        // endpoint has. One element unique to this event makes it pass; the scope processor,
        // which Sentry runs after the client's, takes it off again before grouping. The app's
        // own errors are deduplicated as before.
        scope.setFingerprint([
          'faultline',
          call.upstream,
          call.method,
          call.route,
          failure.kind,
          `${EVENT_MARK}${++eventSequence}`,
        ]);
        scope.addEventProcessor(withoutEventMark);
        scope.setLevel(severityOf(failure.kind, outcome.fallback === true));
        const context: Record<string, unknown> = {
          attempts: outcome.attempts,
          url: call.url,
          duration_ms: Math.round(outcome.durationMs),
          stop_reason: outcome.stopReason,
        };
        if (outcome.fallback === true) context['fallback'] = true;
        if (suppressedBefore > 0) context['suppressed_events'] = suppressedBefore;
        scope.setContext('faultline', context);
        const { ids } = failed;
        if (ids !== undefined) scope.setContext('trace', { trace_id: ids.traceId, span_id: ids.spanId });
        for (const breadcrumb of failed.breadcrumbs()) scope.addBreadcrumb(breadcrumb);
        return { eventId: scope.captureException(error), ids };
      }
    });
  };

  return {
    report(call, outcome, describe) {
      const kind = outcome.failure?.kind;
      if (kind === undefined || !kinds.has(kind)) return undefined;
      const api = findSentry();
      // No Sentry in this process: nothing to count against the cap.
      const client = api?.getClient();
      if (api === undefined || client === undefined) return undefined;
      const decision = cap.admit(`${call.upstream}\u0000${call.method}\u0000${call.route}\u0000${kind}`, now());
      // The error the caller gets is built from this failure after this: it carries Sentry's
      // captured mark, so the app's Express / Fastify / global handlers do not send it again.
      // Held back by the cap too: the cap bounds what a storm sends to Sentry, and the next
      // event let through says how many it held back (the metric counts them as well).
      markReported(outcome.failure!);
      if (!decision.admitted) {
        onSuppressed(call, kind);
        return undefined;
      }
      return capture(api, client, describe(), decision.suppressedBefore);
    },
    traceIds() {
      const ids = findSentry()?.traceOf();
      // Sentry makes up a span id per event when it has none: one made here is on both.
      return ids === undefined || ids.spanId !== undefined ? ids : { traceId: ids.traceId, spanId: randomSpanId() };
    },
    present: () => findSentry()?.getClient() !== undefined,
    sendsOwnSpan() {
      const api = findSentry();
      if (api === undefined) return false;
      const client = api.getClient();
      // Sentry set up after this client was made: what it records of this request is redacted too.
      scrubSentryClient(client, redactor);
      return client !== undefined && tracesWith(client);
    },
    suppressTracing(fn) {
      const api = findSentry();
      return api === undefined ? fn() : api.suppressTracing(fn);
    },
    breadcrumb(call, outcome) {
      const data: Record<string, unknown> = { url: call.url, method: call.method };
      if (outcome.status !== undefined) data['status_code'] = outcome.status;
      findSentry()?.addBreadcrumb({
        type: 'http',
        category: 'http',
        level: levelOf(outcome),
        data,
        timestamp: Date.now() / 1000,
      });
    },
  };
}

/**
 * The tag names faultline used before the stable conventions' keys, kept beside them for
 * a transition: saved searches and alert rules on existing installs filter on them. Sentry
 * itself (@sentry/core 11) records `http.request.method` and `http.response.status_code`.
 * @deprecated kept for one minor release, then removed (see CHANGELOG).
 */
const LEGACY_METHOD_TAG = 'http.method';
/** @deprecated see {@link LEGACY_METHOD_TAG} */
const LEGACY_STATUS_TAG = 'http.status_code';

/** Marks the fingerprint element that is one event's own (see `capture`). */
const EVENT_MARK = 'faultline.event:';
let eventSequence = 0;

/** Takes the event's own element off its fingerprint: grouping sees the five that name the endpoint. */
function withoutEventMark(event: SentryEventLike): SentryEventLike {
  const { fingerprint } = event;
  const last: unknown = Array.isArray(fingerprint) ? fingerprint[fingerprint.length - 1] : undefined;
  if (typeof last === 'string' && last.startsWith(EVENT_MARK)) event.fingerprint = fingerprint!.slice(0, -1);
  return event;
}

/** As Sentry's `getBreadcrumbLogLevelFromHttpStatusCode`: 4xx a warning, 5xx (or no answer) an error. */
function levelOf({ status, failure }: AttemptOutcome): 'info' | 'warning' | 'error' {
  if (status === undefined) return failure === undefined ? 'info' : 'error';
  return status >= 500 ? 'error' : status >= 400 ? 'warning' : 'info';
}

function randomSpanId(): string {
  return nodeCrypto().randomBytes(8).toString('hex');
}

/**
 * Whether a Sentry client records spans (tracing configured), read once per client: a
 * process has one client, so the last one asked is remembered and no other.
 */
function tracingOf(): (client: SentryClientLike) => boolean {
  let lastClient: SentryClientLike | undefined;
  let traces = false;
  return (client) => {
    if (client !== lastClient) {
      const options = client.getOptions?.() ?? {};
      traces = typeof options.tracesSampleRate === 'number' || typeof options.tracesSampler === 'function';
      lastClient = client;
    }
    return traces;
  };
}
