/** The client: its options, per-call options and methods. */
import type { FailureKind } from '../core/failureKinds.js';
import type { FaultlineLogger } from './logger.js';
import type { Clock } from '../core/clock.js';
import type { AuthStrategy } from './auth.js';
import type { RequestObserver } from './observers.js';
import type { SpanHooks } from './spanHooks.js';
import type { Policy } from '../types/policy.js';
import type { SharedState } from './shared.js';

export type { Clock };

/** Headers as a caller may give them (what `new Headers()` takes). */
export type HeadersInput = Headers | Record<string, string> | readonly (readonly [string, string])[];

/** Sentry reporting options. */
export interface ReportOptions {
  /**
   * The kinds that become Sentry events.
   * @default all but `client`, `cancelled`, `circuit_open` and `load_shed`
   */
  readonly kinds?: readonly FailureKind[];
  /**
   * Events per fingerprint per minute; the rest are counted and the next event that goes
   * through says how many were suppressed.
   * @default 10
   */
  readonly capPerMinute?: number;
}

/**
 * Storm sampling of failure log lines, per fingerprint (upstream, method, route, kind) and
 * per second of the client's clock, the way zap samples. Spans and metrics are never sampled.
 */
export interface LogSamplingOptions {
  /**
   * Failure lines of one fingerprint written in each second before sampling starts; 0
   * turns sampling off.
   * @default FAULTLINE_LOG_SAMPLE_INITIAL, else 100
   */
  readonly initial?: number;
  /**
   * After those, one line in this many is written; 0 writes none until the next second.
   * @default FAULTLINE_LOG_SAMPLE_THEREAFTER, else 100
   */
  readonly thereafter?: number;
}

/** Deadlines, in milliseconds; 0 disables one. */
export interface TimeoutOptions {
  /**
   * The whole call: every attempt, wait and fallback.
   * @default FAULTLINE_TIMEOUT_MS, else 30000
   */
  readonly totalMs?: number;
  /**
   * Each attempt, from sending to the end of the body.
   * @default FAULTLINE_ATTEMPT_TIMEOUT_MS, else 10000
   */
  readonly attemptMs?: number;
}

/** Where and how faultline tells what happened: logs, spans, metrics, Sentry, observers. */
export interface TelemetryOptions {
  /**
   * faultline's own signals (logs, spans, metrics, Sentry); `false` turns them all off
   * (observers are still called).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Where faultline's log lines go: a winston logger, a pino logger or `console`, as they
   * are (see {@link FaultlineLogger}).
   * @default winston, JSON lines on stdout at `FAULTLINE_LOG_LEVEL` / `LOG_LEVEL` (else info)
   */
  readonly logger?: FaultlineLogger;
  /** Sentry reporting, or `false` for no Sentry events. @default FAULTLINE_REPORT_* */
  readonly report?: ReportOptions | false;
  /**
   * Storm sampling of failure log lines, or `false` to write every line.
   * @default `{ initial: 100, thereafter: 100 }`, from FAULTLINE_LOG_SAMPLE_*
   * @example
   * ```ts
   * createClient({ baseUrl, telemetry: { logSampling: { initial: 20, thereafter: 1000 } } });
   * ```
   */
  readonly logSampling?: LogSamplingOptions | false;
  /** More observers of attempts and outcomes, called after faultline's own signals. @default none */
  readonly observers?: readonly RequestObserver[];
  /** Hooks into each attempt's CLIENT span (see {@link SpanHooks}). @default none */
  readonly spanHooks?: SpanHooks;
}

/** What never leaves the process, in addition to the defaults. */
export interface RedactOptions {
  /** Header names. @default FAULTLINE_REDACT_HEADERS */
  readonly headers?: readonly string[];
  /** Query parameter names. @default FAULTLINE_REDACT_QUERY */
  readonly query?: readonly string[];
}

/** How requests travel. */
export interface TransportOptions {
  /**
   * The undici dispatcher requests go through: a `MockAgent` in tests, a `ProxyAgent`, an
   * `Agent` with the app's TLS settings. faultline never closes it.
   * @default the dispatcher the app installed with undici's `setGlobalDispatcher`, else a
   * proxy from `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` (unless `FAULTLINE_PROXY=off`),
   * else faultline's own keep-alive pool per origin
   * @example
   * ```ts
   * const mock = new MockAgent();
   * mock.disableNetConnect();
   * createClient({ baseUrl: 'https://payments.internal', transport: { dispatcher: mock } });
   * ```
   */
  readonly dispatcher?: DispatcherLike;
  /** Redirects followed, at most; 0 returns 3xx responses as they are. @default 10 */
  readonly maxRedirects?: number;
  /** The largest body `json()` reads (`invalid_response`, `BODY_TOO_LARGE` beyond). @default 33554432 (32 MiB) */
  readonly maxJsonBytes?: number;
}

/** What {@link createClient} takes, grouped by concern. Options left out come from the environment, then defaults. */
export interface ClientOptions {
  /** The upstream's name in every signal. @default the host of `baseUrl` */
  readonly name?: string;
  /** Relative paths are resolved against it. */
  readonly baseUrl?: string | URL;
  /** Headers sent with every request. */
  readonly headers?: HeadersInput;
  /** Credentials for every attempt. */
  readonly auth?: AuthStrategy;
  /** The call's and each attempt's deadline. */
  readonly timeout?: TimeoutOptions;
  /**
   * The resilience policies, outermost first; `[]` for none.
   * @default `[retry(FAULTLINE_RETRY_*), throttle()]`
   * @example
   * ```ts
   * createClient({ baseUrl, resilience: [retry({ maxAttempts: 4 }), retryBudget(), circuitBreaker({ failureRatio: 0.2 })] });
   * ```
   */
  readonly resilience?: readonly Policy[];
  /** Logs, spans, metrics, Sentry and observers. */
  readonly telemetry?: TelemetryOptions;
  /** Secrets in addition to the defaults. */
  readonly redact?: RedactOptions;
  /** Dispatcher, redirects and body limits. */
  readonly transport?: TransportOptions;
  /**
   * State shared with the service's other replicas through Redis (see `sharedState`);
   * `false` keeps it all local.
   * @default FAULTLINE_REDIS_URL's shared state, else none (in-process state)
   */
  readonly shared?: SharedState | false;
  /** Time source for waits, deadlines and policies; for tests. @default the system clock */
  readonly clock?: Clock;
  /** Environment to read options from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Any undici `Dispatcher` (`Agent`, `Pool`, `MockAgent`, `ProxyAgent`, `EnvHttpProxyAgent`,
 * `RetryAgent`, one made by `compose()`), from any undici version: faultline only calls
 * its `dispatch`.
 */
export interface DispatcherLike {
  dispatch(options: never, handler: never): boolean;
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
export interface RequestOptions extends Omit<RequestInit, 'body' | 'method' | 'headers' | 'dispatcher'> {
  readonly headers?: HeadersInput;
  /** @default 'GET' (or the verb of the method called) */
  readonly method?: string;
  readonly body?: RequestBody;
  /** A value to send as JSON (sets `content-type: application/json`). */
  readonly json?: unknown;
  /** This call's deadlines, each in place of the client's. */
  readonly timeout?: TimeoutOptions;
  /** This call's policies in place of the client's list (`[]`: none). @default the client's */
  readonly resilience?: readonly Policy[];
  /** This call's dispatcher, in place of the client's (as fetch takes one). */
  readonly transport?: Pick<TransportOptions, 'dispatcher'>;
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
  /**
   * As fetch: `'follow'` follows redirects (up to the client's `transport.maxRedirects`),
   * `'manual'` returns the 3xx Response, `'error'` fails the call on any redirect status
   * with an `InvalidResponseError` of code `UNEXPECTED_REDIRECT` (never retried by the
   * default `retry`; `throwHttpErrors: false` does not turn it into a Response).
   * @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual' | 'error';
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
  /**
   * Closes the connection pools, and lets go of the Redis connection `FAULTLINE_REDIS_URL`
   * made (closed once no other client of the process uses it).
   */
  close(): Promise<void>;
}
