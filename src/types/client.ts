/** The client: its options, per-call options and methods. */
import type { FailureKind } from '../core/failureKinds.js';
import type { FaultlineLogger } from './logger.js';
import type { Clock } from '../core/clock.js';
import type { AuthStrategy } from './auth.js';
import type { HedgePolicy } from './hedge.js';
import type { Fallback } from './fallback.js';
import type { RequestObserver } from './observers.js';
import type { SpanHooks } from './spanHooks.js';
import type { RetryStrategy } from './strategies.js';
import type { SharedState } from './shared.js';

export type { Clock };

/** Headers as a caller may give them (what `new Headers()` takes). */
export type HeadersInput = Headers | Record<string, string> | readonly (readonly [string, string])[];

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
  /**
   * Hedging of slow idempotent calls (see `hedge()`).
   * @default none (off)
   * @example
   * ```ts
   * createClient({ baseUrl, hedge: hedge({ delayMs: { percentile: 95 } }) });
   * ```
   */
  readonly hedge?: HedgePolicy;
  /** Credentials for every attempt. */
  readonly auth?: AuthStrategy;
  /**
   * An answer for the caller when the upstream is unwell, instead of throwing: a function
   * `(failure, call) => answer` (sync or async), `{ value }`, or `{ answer }`, each long form
   * with `on`, the kinds it answers for (default `timeout`, `network`, `server`,
   * `throttled`, `circuit_open`; `cancelled` never, even when listed). `json()` resolves to
   * the answer; the Response methods and `createFetch` get a Response the function returns,
   * or the value as a JSON Response (status 200, header `x-faultline-fallback: true`). A
   * fallback answers before `throwHttpErrors: false` would hand back the failed Response.
   * The failure is still told by every signal, marked `faultline.fallback: true` (the Sentry
   * event and the log line at warning level; counted in `faultline.fallbacks`). A fallback
   * that throws or rejects is reported through the logger and the original failure is
   * thrown; one still pending when the caller aborts is not used.
   * @default none
   * @example
   * ```ts
   * const rates = createClient({
   *   baseUrl: 'https://rates.internal',
   *   // Serve the last known rates while the upstream is down; a bad request still throws.
   *   fallback: { answer: () => cache.get('rates'), on: ['timeout', 'network', 'server'] },
   * });
   * const flags = createClient({ baseUrl: 'https://flags.internal', fallback: { value: { beta: false } } });
   * ```
   */
  readonly fallback?: Fallback;
  /**
   * Where faultline's log lines go: a winston logger, a pino logger or `console`, as they
   * are (see {@link FaultlineLogger} for how each is called). Otherwise one is built from
   * the environment: JSON lines on stdout.
   * @default winston, JSON lines on stdout at `FAULTLINE_LOG_LEVEL` / `LOG_LEVEL` (else info)
   */
  readonly logger?: FaultlineLogger;
  /** Sentry reporting, or `false` for no Sentry events. */
  readonly report?: ReportOptions | false;
  /**
   * Storm sampling of failure log lines, or `false` to write every line. The next line
   * written for a fingerprint carries `faultline.log.suppressed`: how many were held back.
   * @default `{ initial: 100, thereafter: 100 }`, from FAULTLINE_LOG_SAMPLE_INITIAL /
   * FAULTLINE_LOG_SAMPLE_THEREAFTER
   * @example
   * ```ts
   * // In each second: the first 20 lines of an endpoint's failure, then one in 1000.
   * createClient({ baseUrl, logSampling: { initial: 20, thereafter: 1000 } });
   * ```
   */
  readonly logSampling?: LogSamplingOptions | false;
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
   * The undici dispatcher every request of this client goes through: a `MockAgent` in
   * tests, a `ProxyAgent`, an `Agent` with the app's TLS settings, one composed with
   * interceptors. faultline never closes it (the app owns it). Timeouts, retries,
   * redirects and signals work as they do without it.
   * @default the dispatcher the app installed with undici's `setGlobalDispatcher`, else a
   * proxy from `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` (unless `FAULTLINE_PROXY=off`),
   * else faultline's own keep-alive pool per origin
   * @example
   * ```ts
   * const mock = new MockAgent();
   * mock.disableNetConnect();
   * mock.get('https://payments.internal').intercept({ path: '/v1/charges/42' }).reply(200, { id: 42 });
   * const payments = createClient({ baseUrl: 'https://payments.internal', dispatcher: mock });
   * ```
   */
  readonly dispatcher?: DispatcherLike;
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
   * Hooks into each attempt's CLIENT span: attributes at its start and end, or no span for
   * a call (see {@link SpanHooks}). A flat option for now; it will move into the grouped
   * signals options when they come.
   * @default none
   */
  readonly spanHooks?: SpanHooks;
  /**
   * faultline's own signals (logs, spans, metrics, Sentry); `false` turns them all off.
   * @default true
   */
  readonly signals?: boolean;
  /**
   * State shared with the service's other replicas through Redis (see `sharedState`): the
   * throttle learned from Retry-After, the retry budget and circuits of the strategy's
   * policies that keep their default store, and the Sentry cap. `false` keeps it all local.
   * @default FAULTLINE_REDIS_URL's shared state, else none (in-process state)
   */
  readonly shared?: SharedState | false;
  /**
   * Environment to read options from.
   * @default process.env
   */
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
  /** Overrides the client's `timeoutMs` for this call. */
  readonly timeoutMs?: number;
  /** Overrides the client's `attemptTimeoutMs` for this call. */
  readonly attemptTimeoutMs?: number;
  /** Overrides the client's retry strategy for this call. */
  readonly retry?: RetryStrategy;
  /** Overrides the client's hedging for this call; `false` turns it off. */
  readonly hedge?: HedgePolicy | false;
  /**
   * This call's fallback (see the client's `fallback`), in place of the client's — its `on`
   * included. `false` turns the client's off for this call; left out (or `undefined`), the
   * client's applies.
   * @default the client's `fallback`
   * @example
   * ```ts
   * const beta = await flags.json<boolean>('/v1/flags/beta', { fallback: { value: false } });
   * const strict = await flags.json('/v1/flags', { fallback: false });
   * ```
   */
  readonly fallback?: Fallback | undefined;
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
   * As fetch: `'follow'` follows redirects (up to the client's `maxRedirects`),
   * `'manual'` returns the 3xx Response, `'error'` fails the call on any redirect status
   * with an `InvalidResponseError` of code `UNEXPECTED_REDIRECT` (never retried by the
   * default strategy; `throwHttpErrors: false` does not turn it into a Response).
   * @default 'follow'
   */
  readonly redirect?: 'follow' | 'manual' | 'error';
  /**
   * The undici dispatcher for this call only (as fetch takes one), redirects included;
   * wins over the client's.
   * @default the client's dispatcher
   */
  readonly dispatcher?: DispatcherLike;
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
