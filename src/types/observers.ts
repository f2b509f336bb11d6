/** Observers: what the signals (and any observer) hear of calls and attempts. */
import type { Failure } from './failure.js';

/**
 * Which deadline bounds a call made while handling an incoming request: the caller's
 * remaining budget, or the call's own timeout when that is shorter.
 */
export type DeadlineSource = 'caller' | 'own';

/** Facts about one call, shared by its attempts; what observers see. */
export interface CallInfo {
  readonly upstream: string;
  /** The method sent, upper case (`PURGE` stays `PURGE`). */
  readonly method: string;
  /**
   * The method as the HTTP semantic conventions record it in `http.request.method`:
   * `method` when it is one of the known methods, else `_OTHER` (the span is then named
   * `HTTP`, and `method` goes in `http.request.method_original`).
   */
  readonly requestMethod: string;
  /** The URL, redacted. */
  readonly url: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  /** The route template, or the URL's path templated (`/items/42` → `/items/{id}`) when none was given. */
  readonly route: string;
  /**
   * The route template the caller gave (`route`), absent when `route` is a guess from the
   * path: only a given one names the span and becomes `url.template`.
   */
  readonly template?: string | undefined;
  /**
   * The HTTP version the request is sent with (`network.protocol.version`), when the
   * transport knows it: `1.1` through faultline's own pools; absent through a dispatcher
   * of the app's or the call's, which may negotiate HTTP/2.
   */
  readonly protocolVersion?: string | undefined;
  /** Milliseconds since the epoch, by the client's clock. */
  readonly startedAt: number;
  /** Set when the call is made under an incoming request's deadline (see `faultline/express`). */
  readonly deadlineSource?: DeadlineSource | undefined;
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
  /** When it will not be: why the policies stopped (`max_attempts`, `circuit_opened`, `retry_budget_exhausted`…). */
  readonly stopReason?: string | undefined;
  /**
   * On the last attempt of a failed call: true when the call's `fallback` answered the
   * caller instead (the failure is still a failure; this says the caller did not see it).
   */
  readonly fallback?: boolean | undefined;
  /** Set when the attempt raced hedges (see `hedge()`): its place in the race and how it ended. */
  readonly hedge?: HedgeMark | undefined;
}

/**
 * An attempt's part in a hedge race. `index` 0 is the attempt that was hedged, 1 its first
 * hedge, and so on. `won`: its answer is the call's; `lost`: aborted because another
 * attempt answered first (not a failure); `failed`: it failed (while another was in flight,
 * or as the race's last).
 */
export interface HedgeMark {
  readonly index: number;
  readonly outcome: 'won' | 'lost' | 'failed';
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
  /** Hedges sent (counted in `attempts` too); absent when none was. */
  readonly hedges?: number | undefined;
  /**
   * True when the call failed but its `fallback` answered the caller: `failure` says what
   * went wrong upstream, and every signal still tells it, marked `faultline.fallback`.
   */
  readonly fallback?: boolean | undefined;
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
  /**
   * A hedge of this attempt is about to start (e.g. so the hedge's span joins this one's
   * trace). Called at most once per attempt.
   */
  hedged?(): void;
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
