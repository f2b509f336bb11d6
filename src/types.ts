/**
 * Public types of faultline, in one place. Runtime code lives beside the concept it
 * implements; this file holds only what users type against.
 */
import type { Logger } from 'winston';

import type { Clock } from './core/clock.js';
import type { FailureKind } from './core/failureKinds.js';

export type { Clock, FailureKind };

/**
 * Where a failure happened. Always set for `timeout`; also set to `connect` for network
 * failures that happened before the request was sent (so any method may be retried).
 */
export type FailurePhase = 'connect' | 'headers' | 'body' | 'total';

/** A classified failure: what {@link classify} returns and every signal reports. */
export interface Failure {
  /** The failure's kind in faultline's vocabulary. */
  readonly kind: FailureKind;
  /**
   * A stable, low-cardinality code: the HTTP status as text (`"503"`), or the
   * system/undici code (`"ECONNREFUSED"`, `"UND_ERR_HEADERS_TIMEOUT"`). Used as the
   * span's `error.type`.
   */
  readonly code: string;
  /** The HTTP status, when the failure is an HTTP response. */
  readonly status?: number;
  /** How long the server asked us to wait, from Retry-After or the RateLimit-Reset family. */
  readonly retryAfterMs?: number;
  /** Where it happened: set for timeouts and for connect-phase network failures. */
  readonly phase?: FailurePhase;
  /** A human-readable description, free of secrets. */
  readonly message: string;
  /** The underlying error, when there was one. */
  readonly cause?: unknown;
}

/** Headers as a caller may give them (what `new Headers()` takes). */
export type HeadersInput = Headers | Record<string, string> | readonly (readonly [string, string])[];

/** Headers in any of the shapes Node's HTTP clients hand out. */
export type HeadersLike =
  | Headers
  | { get(name: string): unknown }
  | Record<string, string | readonly string[] | number | undefined | null>
  | Iterable<readonly [string, string]>;

/** A response as {@link classify} needs it: a WHATWG Response or any `{ status, headers }`. */
export interface ResponseLike {
  readonly status: number;
  readonly headers?: HeadersLike | undefined;
}

/** What a retry strategy is told after a failed attempt. */
export interface RetryContext {
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  /** Why it failed. */
  readonly failure: Failure;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  /** The upstream's name (the client's `name`). */
  readonly upstream: string;
  /**
   * True when the request may be sent again: an idempotent method (or `idempotent: true`)
   * and a body that can be replayed.
   */
  readonly replayable: boolean;
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
  /** The delay waited before this attempt (0 before the first); decorrelated jitter needs it. */
  readonly previousDelayMs: number;
  /** Milliseconds left before the call's total deadline (`Infinity` without one). */
  readonly remainingMs: number;
  /** Aborts when the caller gives up or the total deadline passes. */
  readonly signal: AbortSignal;
}

/** What a strategy's `beforeAttempt` is told. */
export interface AttemptContext {
  /** The attempt about to be made, counted from 1. */
  readonly attempt: number;
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  readonly upstream: string;
}

/** What a strategy's `onSuccess` is told. */
export interface SuccessContext extends AttemptContext {
  /** The HTTP status of the successful response. */
  readonly status: number;
  readonly elapsedMs: number;
}

/**
 * A strategy's answer with its reason, so logs and the demo can say why a retry waited
 * as long as it did (or why it stopped). A plain number or `null` is just as good.
 */
export interface RetryVerdict {
  /** Milliseconds to wait before the next attempt, or `null` to stop. */
  readonly delayMs: number | null;
  /** Low-cardinality reason, e.g. `"backoff"`, `"retry_after"`, `"max_attempts"`. */
  readonly reason: string;
  /** Where the delay came from: the server's Retry-After, or the strategy's backoff. */
  readonly delaySource?: 'server' | 'backoff';
}

/** What {@link RetryStrategy.nextDelay} may return. */
export type RetryDecision = number | null | RetryVerdict;

/**
 * A retry policy. Only `nextDelay` is required; a custom one takes a few lines.
 *
 * @example
 * ```ts
 * const twiceQuickly: RetryStrategy = {
 *   nextDelay: ({ attempt, replayable }) => (replayable && attempt < 3 ? 50 : null),
 * };
 * ```
 */
export interface RetryStrategy {
  /** Called after every failed attempt (except cancellation): a delay in ms, or `null` to stop. */
  nextDelay(context: RetryContext): RetryDecision | Promise<RetryDecision>;
  /**
   * Called before every attempt. Return a {@link Failure} (normally kind `circuit_open`)
   * to refuse the attempt without sending it; return nothing to let it go.
   */
  beforeAttempt?(context: AttemptContext): Failure | null | undefined | void;
  /** Hears of every successful attempt. */
  onSuccess?(context: SuccessContext): void;
}

/** What an {@link AuthStrategy} sees of each attempt; `headers` may be changed. */
export interface AuthContext {
  readonly attempt: number;
  readonly method: string;
  /** The full URL as sent (not redacted: signing needs it). */
  readonly url: URL;
  /** The request headers, lower-cased names; set credentials here. */
  readonly headers: Record<string, string>;
  /**
   * The body as sent, for signing: a string or bytes; `undefined` when there is none;
   * `null` when it is a stream or form that cannot be read in advance.
   */
  readonly body: string | Uint8Array | null | undefined;
  /** An object that is the same for every attempt of one call (for per-call state). */
  readonly call: object;
  readonly signal: AbortSignal;
}

/** What an {@link AuthStrategy} is told when an attempt came back 401. */
export interface UnauthorizedContext {
  readonly attempt: number;
  readonly failure: Failure;
  /** The same object as {@link AuthContext.call} for this call. */
  readonly call: object;
  readonly signal: AbortSignal;
}

/**
 * Applies credentials to each attempt and may, on `unauthorized`, refresh them and ask
 * for one replay.
 */
export interface AuthStrategy {
  /** Sets credentials on the attempt's headers. */
  apply(context: AuthContext): void | Promise<void>;
  /** After a 401: return true to replay the request once with fresh credentials. */
  onUnauthorized?(context: UnauthorizedContext): boolean | Promise<boolean>;
}

/** Sentry reporting options. */
export interface ReportOptions {
  /**
   * The kinds that become Sentry events.
   * @default all but `client`, `cancelled` and `circuit_open`
   */
  readonly kinds?: readonly FailureKind[];
  /**
   * Events per fingerprint per minute; the rest are counted and the next event that goes
   * through says how many were suppressed.
   * @default 10
   */
  readonly capPerMinute?: number;
}

/** What {@link createClient} takes. Options left out come from the environment, then defaults. */
export interface ClientOptions {
  /**
   * The upstream's name in every signal.
   * @default the host of `baseUrl`
   */
  readonly name?: string;
  /** Relative paths are resolved against it. */
  readonly baseUrl?: string | URL;
  /** Headers sent with every request. */
  readonly headers?: HeadersInput;
  /**
   * Deadline for the whole call, retries and waits included (ms; 0 disables).
   * @default FAULTLINE_TIMEOUT_MS, else 30000
   */
  readonly timeoutMs?: number;
  /**
   * Deadline for each attempt, from sending to the end of the body (ms; 0 disables).
   * @default FAULTLINE_ATTEMPT_TIMEOUT_MS, else 10000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * The retry policy.
   * @default exponentialBackoff() configured from FAULTLINE_RETRY_*
   */
  readonly retry?: RetryStrategy;
  /** Credentials for every attempt. */
  readonly auth?: AuthStrategy;
  /** A winston logger; otherwise one is built from the environment. */
  readonly logger?: Logger;
  /** Sentry reporting, or `false` for no Sentry events. */
  readonly report?: ReportOptions | false;
  /**
   * Follow redirects (up to this many); 0 returns 3xx responses as they are.
   * @default 10
   */
  readonly maxRedirects?: number;
  /**
   * The largest body `json()` reads into memory; a larger one is `invalid_response`
   * (code `BODY_TOO_LARGE`). Streamed Responses are not limited.
   * @default 33554432 (32 MiB)
   */
  readonly maxJsonBytes?: number;
  /** Time source for backoff waits and Retry-After dates; for tests. */
  readonly clock?: Clock;
  /**
   * Headers, in addition to the defaults, whose values never leave the process.
   * @default FAULTLINE_REDACT_HEADERS
   */
  readonly redactHeaders?: readonly string[];
  /**
   * Query parameters, in addition to the defaults, whose values never leave the process.
   * @default FAULTLINE_REDACT_QUERY
   */
  readonly redactQuery?: readonly string[];
  /**
   * More observers of attempts and outcomes, called after faultline's own signals.
   * @default none
   */
  readonly observers?: readonly RequestObserver[];
  /**
   * faultline's own signals (logs, spans, metrics, Sentry); `false` turns them all off.
   * @default true
   */
  readonly signals?: boolean;
  /**
   * Environment to read options from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A request body faultline can send. Streams are sent once and never retried. */
export type RequestBody =
  | string
  | Uint8Array
  | ArrayBuffer
  | URLSearchParams
  | FormData
  | Blob
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | null;

/** Per-call options: `RequestInit` plus faultline's own. */
export interface RequestOptions extends Omit<RequestInit, 'body' | 'method' | 'headers'> {
  readonly headers?: HeadersInput;
  /** @default 'GET' (or the verb of the method called) */
  readonly method?: string;
  readonly body?: RequestBody;
  /** A value to send as JSON (sets `content-type: application/json`). */
  readonly json?: unknown;
  /** Overrides the client's `timeoutMs` for this call. */
  readonly timeoutMs?: number;
  /** Overrides the client's `attemptTimeoutMs` for this call. */
  readonly attemptTimeoutMs?: number;
  /** Overrides the client's retry strategy for this call. */
  readonly retry?: RetryStrategy;
  /**
   * Treat this call as safe to repeat (e.g. a POST with an idempotency key).
   * @default true for GET, HEAD, OPTIONS, PUT, DELETE, TRACE
   */
  readonly idempotent?: boolean;
  /** A URL template such as `/v1/charges/{id}`, used to group signals. */
  readonly route?: string;
  /**
   * Throw a {@link RequestFailure} for a failed HTTP status after retries; when false the
   * final Response is returned (signals are still emitted).
   * @default true
   */
  readonly throwHttpErrors?: boolean;
}

/** A client bound to one upstream. */
export interface Client {
  /** The upstream's name in every signal. */
  readonly name: string;
  request(path: string | URL, init?: RequestOptions): Promise<Response>;
  get(path: string | URL, init?: RequestOptions): Promise<Response>;
  post(path: string | URL, init?: RequestOptions): Promise<Response>;
  put(path: string | URL, init?: RequestOptions): Promise<Response>;
  patch(path: string | URL, init?: RequestOptions): Promise<Response>;
  delete(path: string | URL, init?: RequestOptions): Promise<Response>;
  head(path: string | URL, init?: RequestOptions): Promise<Response>;
  /** Sends the request and parses the body as JSON; a bad body is `invalid_response`. */
  json<T = unknown>(path: string | URL, init?: RequestOptions): Promise<T>;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

/** Facts about one call, shared by its attempts; what observers see. */
export interface CallInfo {
  readonly upstream: string;
  readonly method: string;
  /** The URL, redacted. */
  readonly url: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  /** The route template, or the URL's path when none was given. */
  readonly route: string;
  /** Milliseconds since the epoch, by the client's clock. */
  readonly startedAt: number;
}

/** How one attempt ended. */
export interface AttemptOutcome {
  readonly attempt: number;
  readonly status?: number | undefined;
  /** Absent on success. */
  readonly failure?: Failure | undefined;
  readonly durationMs: number;
  /** When the attempt will be retried: the wait and why. */
  readonly retry?:
    | {
        readonly delayMs: number;
        readonly reason: string;
        readonly delaySource: 'server' | 'backoff';
      }
    | undefined;
  /** When it will not be: why the strategy stopped. */
  readonly stopReason?: string | undefined;
}

/** How the whole call ended. */
export interface CallOutcome {
  readonly attempts: number;
  readonly status?: number | undefined;
  /** Absent on success. */
  readonly failure?: Failure | undefined;
  readonly durationMs: number;
  /** Why the last failure was not retried. */
  readonly stopReason?: string | undefined;
}

/** A live attempt, as an observer tracks it. */
export interface AttemptScope {
  /**
   * Runs the attempt's own user code — the auth strategy — inside this scope (e.g. with
   * its span active, so a token refresh is traced as its child). Not called when the
   * client has no auth strategy.
   */
  run<T>(fn: () => T): T;
  /**
   * Runs the network request itself (e.g. with other instrumentations' tracing
   * suppressed, so one attempt yields one span).
   */
  send?<T>(fn: () => T): T;
  /** Headers the attempt should carry (e.g. `traceparent`). */
  inject?(headers: Record<string, string>): void;
  /** The attempt ended. */
  end(outcome: AttemptOutcome): void;
}

/**
 * Hears of every attempt and outcome. The signals (logs, spans, metrics, Sentry) are
 * observers; every call into one is guarded, so a throwing observer changes nothing.
 */
export interface RequestObserver {
  /** An attempt is about to be sent; return a scope to hear how it ends. */
  attemptStarted?(call: CallInfo, attempt: number): AttemptScope | undefined;
  /** The call ended, after retries. */
  callEnded?(call: CallInfo, outcome: CallOutcome): void;
}
