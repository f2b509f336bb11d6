/** Span hooks: the app's say in the CLIENT span of each attempt. */
import type { Attributes, Span } from '@opentelemetry/api';
import type { AttemptOutcome, CallInfo } from './observers.js';

/** What the `start` and `ignore` hooks are given: the call and which attempt of it starts. */
export interface SpanStartInfo {
  readonly call: CallInfo;
  /** 1 for the first attempt, 2 for the first retry or hedge, and so on. */
  readonly attempt: number;
}

/** What the `end` hook is given: the attempt's span (still open) and how the attempt ended. */
export interface SpanEndInfo {
  readonly span: Span;
  readonly call: CallInfo;
  readonly outcome: AttemptOutcome;
}

/**
 * Hooks into the CLIENT span faultline starts for each attempt, in the spirit of
 * `@opentelemetry/instrumentation-undici`'s `startSpanHook`, `responseHook` and
 * `ignoreRequestHook`. Each is guarded like all user code: one that throws, or answers
 * outside its contract, is reported through the client's diagnostics and the attempt goes
 * on as if it were not there.
 *
 * @example
 * ```ts
 * createClient({
 *   baseUrl,
 *   telemetry: {
 *     spanHooks: {
 *       start: ({ call }) => ({ 'app.tenant': tenantOf(call.url) }),
 *       end: ({ span, outcome }) => span.setAttribute('app.slow', outcome.durationMs > 500),
 *       ignore: ({ call }) => call.route === '/health',
 *     },
 *   },
 * });
 * ```
 */
export interface SpanHooks {
  /**
   * Attributes to start the span with (samplers see them), added after faultline's own, or
   * nothing. Called for each attempt of a call that is not ignored.
   * @default none
   */
  readonly start?: (info: SpanStartInfo) => Attributes | undefined | null | void;
  /**
   * Called when an attempt ends, before its span ends and after faultline set the status
   * and its attributes: add to the span here. What it returns is not used (a promise is
   * reported: the span ends before it could settle). Not called for a span that is not
   * recording (unsampled, ignored).
   * @default none
   */
  readonly end?: (info: SpanEndInfo) => unknown;
  /**
   * True to make no span for this call: asked once, at its first attempt, and the answer
   * holds for its retries and hedges. Only the span is skipped: metrics, log lines and
   * Sentry events tell the call as usual, the request still carries the caller's trace
   * context (`traceparent` of the caller's span, if any), and other undici
   * instrumentations stay suppressed for it.
   * @default none: every call has its spans
   */
  readonly ignore?: (info: SpanStartInfo) => boolean;
}
