/**
 * The resilience contract: what every entry of `resilience: [...]` is, built-in or the
 * user's own. A policy is a recipe; each client builds it once with its own context and
 * the pipeline calls the hooks the built policy has, in list order (outermost first).
 */
import type { Clock } from '../core/clock.js';
import type { Diagnostics } from '../core/diagnostics.js';
import type { Failure } from './failure.js';

/** Where a policy keeps its state, keyed per upstream (and route); get and set only, so Redis can back it. */
export interface StateStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

/** `closed`: traffic flows. `open`: attempts fail fast. `half-open`: trial attempts are let through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** One circuit with what it guards: what the `faultline.circuit.state` gauge labels. */
export interface CircuitInfo {
  readonly key: string;
  readonly upstream: string;
  readonly route: string | undefined;
  readonly state: CircuitState;
}

/**
 * One concurrency limiter with what it guards: what the `faultline.concurrency.limit` and
 * `faultline.concurrency.in_flight` gauges read. Given once per limiter; its numbers are
 * read live when the metrics are collected.
 */
export interface LimiterInfo {
  readonly key: string;
  readonly upstream: string;
  readonly route: string | undefined;
  /** The current limit (attempts in flight it admits). */
  readonly limit: number;
  /** Attempts admitted and not yet released. */
  readonly inFlight: number;
}

/** Which state a policy keeps, so a shared (Redis) store can keep it for the fleet. */
export interface StoreRequest {
  readonly kind: 'budget' | 'circuit' | 'throttle' | 'adaptiveThrottle';
  /** The settings a shared store needs to sum the fleet's counts (windows, thresholds), in ms and counts. */
  readonly settings: Readonly<Record<string, number>>;
}

/** What a policy is built with: the client's, never a module's. */
export interface PolicyContext {
  /** The client's upstream name. */
  readonly upstream: string;
  /** The names of the list's policies, outermost first (a hedge asks whether a retryBudget prices it). */
  readonly policies: readonly string[];
  /** The client's clock (guarded): read time and wait with it, so tests can fake it. */
  readonly clock: Clock;
  /** Where a policy reports trouble (through the client's logger). */
  readonly diagnostics: Diagnostics;
  /**
   * The fleet's store for a kind of state, when the client shares state through Redis;
   * absent otherwise, and the policy keeps its state in its own memory (shared by every
   * client built from the same policy object, keyed by upstream).
   */
  fleetStore?<T>(request: StoreRequest): StateStore<T>;
  /** Hears a circuit's state when it is first seen and at every change (the `faultline.circuit.state` gauge). */
  circuitState?(circuit: CircuitInfo): void;
  /** Hears a concurrency limiter once, when it is first made (its gauges read it live). */
  limiterState?(limiter: LimiterInfo): void;
}

/** An attempt about to be sent. */
export interface AttemptInfo {
  /** Counted from 1; hedges are numbered on. */
  readonly attempt: number;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  readonly upstream: string;
  /** The call's route template, as in `faultline.route`. */
  readonly route: string;
  /** True for a hedge: sent while an earlier attempt of the call is still in flight. */
  readonly hedge?: boolean;
  /**
   * Until when (the client's clock) this call has already waited at a server's request — a
   * Retry-After of its own — so a throttle does not hold it again (0 when it has not).
   */
  readonly waitedUntil: number;
}

/** An attempt asking a limiting policy for a place (`acquire`). */
export interface AdmissionRequest extends AttemptInfo {
  /** Milliseconds left before the call's total deadline (`Infinity` without one). */
  readonly remainingMs: number;
  /** Aborts when the caller gives up or the total deadline passes: a queued attempt leaves the queue. */
  readonly signal: AbortSignal;
}

/**
 * How an admitted attempt ended, told to its permit once. `dropped`: its time says nothing
 * about the upstream — an inner policy refused it unsent, it lost a hedge race, or the
 * call was aborted.
 */
export interface AttemptEnd {
  readonly outcome: 'success' | 'failure' | 'dropped';
  /** From admission to the response's headers (a `json` call: to its body read); 0 for an unsent one. */
  readonly durationMs: number;
  readonly failure?: Failure;
}

/** A place an admitted attempt holds; the pipeline releases it exactly once. */
export interface Permit {
  release(end: AttemptEnd): void;
}

/** An attempt that failed. */
export interface FailedAttempt extends AttemptInfo {
  readonly failure: Failure;
  /** How long the attempt took (what a slow-call rule measures). */
  readonly durationMs: number;
  /** Idempotent (or opted in) with a body that can be sent again. */
  readonly replayable: boolean;
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
  /** The delay waited before this attempt (0 before the first): decorrelated jitter needs it. */
  readonly previousDelayMs: number;
  /** Milliseconds left before the call's total deadline (`Infinity` without one). */
  readonly remainingMs: number;
  /** Aborts when the caller gives up or the total deadline passes. */
  readonly signal: AbortSignal;
}

/** An attempt that succeeded. */
export interface SucceededAttempt extends AttemptInfo {
  readonly status: number;
  readonly durationMs: number;
  readonly elapsedMs: number;
}

/**
 * What happens after a failed attempt: wait `delayMs` and try again, or stop (`delayMs:
 * null`); `reason` is what every signal reports (`backoff`, `retry_after`, `max_attempts`…).
 */
export interface Verdict {
  readonly delayMs: number | null;
  /** Low-cardinality: `backoff`, `retry_after`, `max_attempts`, `retry_budget_exhausted`… */
  readonly reason: string;
  /** Where a delay came from: the server's Retry-After, or a backoff. */
  readonly delaySource?: 'server' | 'backoff';
}

/**
 * The verdict the fold starts from: nobody has decided yet, and without a retry the call
 * stops here. `retry` decides only on this one; any other stop a policy outside it gave
 * (`circuit_opened`, `retry_budget_exhausted`…) stands.
 */
export const UNDECIDED: Verdict = Object.freeze({ delayMs: null, reason: 'no_retry' });

/** When to send a parallel attempt for a slow one (hedging). */
export interface HedgePlan {
  /** Milliseconds without an answer after which another attempt is sent. */
  readonly delayMs: number;
  /** Parallel attempts at most, besides the first. */
  readonly maxHedges: number;
  /** Hears how long the winning attempt took (a percentile delay learns from it). */
  answered?(latencyMs: number): void;
}

/** A call that failed for good, for a policy that may answer instead. */
export interface FailedCall {
  readonly failure: Failure;
  readonly method: string;
  readonly url: string;
  readonly upstream: string;
  readonly route: string;
  readonly attempts: number;
  /** `json` for `client.json()`, else `response`. */
  readonly mode: 'json' | 'response';
  /** Aborts when the caller gives up, or when an async answer outlives the call's total timeout. */
  readonly signal: AbortSignal;
}

/** A policy's answer for a failed call: the value (or Response) the caller gets instead. */
export interface Answer {
  readonly value: unknown;
}

/**
 * The hooks a built policy may have; every one is optional and guarded: a hook that throws
 * or answers outside its contract is reported once and the call goes on as if it were
 * absent (a failing `afterFailure` stops the call with reason `policy_error`).
 */
export interface PolicyHooks {
  /** Before each attempt, hedges included: a Failure refuses it unsent (`circuit_open`, `throttled`). */
  beforeAttempt?(attempt: AttemptInfo): Failure | undefined;
  /**
   * Before each attempt, in the list's order with the `beforeAttempt` hooks: a place for it
   * (a Permit, released exactly once when the attempt ends or an inner policy refuses it),
   * or a Failure that refuses it unsent. May wait (a queue): the attempt is not sent until
   * the promise settles; it must settle when `signal` aborts. A hedge (`hedge: true`)
   * never waits: answer it synchronously (a promise for a hedge refuses the hedge).
   * Only a list with such a policy pays for it: the common path is unchanged.
   */
  acquire?(request: AdmissionRequest): Permit | Failure | Promise<Permit | Failure>;
  /**
   * After a failed attempt: the verdict of the policies outside this one in, this policy's
   * out. The pipeline starts from a stop (`no_retry`); `retry` turns it into a wait,
   * `retryBudget` may turn a wait back into a stop. Synchronous when it can be.
   */
  afterFailure?(failed: FailedAttempt, verdict: Verdict): Verdict | Promise<Verdict>;
  /** After each successful attempt. */
  onSuccess?(succeeded: SucceededAttempt): void;
  /** Around each attempt: when to race it with parallel ones. At most one policy of a list. */
  hedge?(attempt: AttemptInfo): HedgePlan | undefined;
  /** Around the call: an answer instead of its failure, or undefined to let it fail. */
  answer?(failed: FailedCall): Answer | undefined | PromiseLike<Answer | undefined>;
}

/**
 * An entry of `resilience: [...]`.
 *
 * @example
 * ```ts
 * // Refuse calls outside business hours, unsent, as a policy of one's own.
 * const businessHours: Policy = {
 *   name: 'businessHours',
 *   build: ({ clock }) => ({
 *     beforeAttempt: () => (isOpen(clock.now()) ? undefined : { kind: 'circuit_open', message: 'closed for the night' }),
 *   }),
 * };
 * createClient({ baseUrl, resilience: [retry(), businessHours] });
 * ```
 */
export interface Policy {
  /** Its name in `faultline check`, diagnostics and the README's vocabulary: `retry`, `circuitBreaker`… */
  readonly name: string;
  /** Builds the policy for one client. Called once per client. */
  build(context: PolicyContext): PolicyHooks;
  /** One line for `faultline check`, e.g. `retry(maxAttempts=3, jitter=full)`. */
  describe?(): string;
}
