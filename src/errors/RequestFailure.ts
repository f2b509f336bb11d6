import type { Failure, FailureKind, FailurePhase } from '../types/failure.js';
import type { DeadlineSource } from '../types/observers.js';
import { markIfReported } from './reportedFailures.js';

const BRAND = Symbol.for('faultline.RequestFailure');

/** What every {@link RequestFailure} is built from. */
export interface RequestFailureInit {
  readonly failure: Failure;
  readonly method: string;
  /** The URL, already redacted. */
  readonly url: string;
  readonly attempts: number;
  /** The client's upstream name. */
  readonly upstream?: string;
  /** For a total timeout under an incoming request's deadline: whose deadline it was. */
  readonly deadlineSource?: DeadlineSource;
  /** The final response, when the failure is an HTTP status (its body still unread). */
  readonly response?: Response;
  /** Builds the final response on first access instead (most errors are never asked). */
  readonly responseFactory?: () => Response;
}

/**
 * The base of every error a faultline client throws. One subclass per
 * {@link FailureKind}, each with its own `name`; test with {@link isRequestFailure}.
 *
 * @example
 * ```ts
 * try {
 *   await payments.get('/v1/charges/42');
 * } catch (error) {
 *   if (isRequestFailure(error) && error.kind === 'throttled') queueForLater(error.retryAfterMs);
 *   else throw error;
 * }
 * ```
 */
export class RequestFailure extends Error {
  override name = 'RequestFailure';
  /** The failure's kind. */
  readonly kind: FailureKind;
  /** Stable, low-cardinality code (`"503"`, `"ECONNREFUSED"`). */
  readonly code: string;
  /** The HTTP status, when the failure was a response. */
  readonly status?: number;
  /** The HTTP method. */
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  /** Attempts made, the failed last one included. */
  readonly attempts: number;
  /** The server's requested delay, when it gave one. */
  readonly retryAfterMs?: number;
  /** Where a timeout (or connect-phase network failure) happened. */
  readonly phase?: FailurePhase;
  /** The client's upstream name (what signals call `faultline.upstream`). */
  readonly upstream?: string;
  /**
   * For a `total` timeout of a call made while handling a request with a deadline:
   * `caller` when the caller's remaining budget ran out, `own` when the call's own timeout did.
   */
  readonly deadlineSource?: DeadlineSource;
  #response: Response | (() => Response) | undefined;

  constructor(init: RequestFailureInit) {
    const { failure } = init;
    super(
      `${init.method} ${init.url} failed: ${failure.message}${init.attempts > 1 ? ` (after ${init.attempts} attempts)` : ''}`,
      failure.cause === undefined ? undefined : { cause: failure.cause },
    );
    this.kind = failure.kind;
    this.code = failure.code;
    this.method = init.method;
    this.url = init.url;
    this.attempts = init.attempts;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.retryAfterMs !== undefined) this.retryAfterMs = failure.retryAfterMs;
    if (failure.phase !== undefined) this.phase = failure.phase;
    if (init.upstream !== undefined) this.upstream = init.upstream;
    if (init.deadlineSource !== undefined) this.deadlineSource = init.deadlineSource;
    this.#response = init.response ?? init.responseFactory;
    // Told to Sentry already: Sentry's own handlers must not send it a second time.
    markIfReported(this, failure);
  }

  /** The final response, body unread, when the failure was an HTTP status. */
  get response(): Response | undefined {
    if (typeof this.#response === 'function') this.#response = this.#response();
    return this.#response;
  }

  /** This failure as a plain {@link Failure}. */
  toFailure(): Failure {
    const failure: { -readonly [K in keyof Failure]: Failure[K] } = {
      kind: this.kind,
      code: this.code,
      message: this.message,
    };
    if (this.status !== undefined) failure.status = this.status;
    if (this.retryAfterMs !== undefined) failure.retryAfterMs = this.retryAfterMs;
    if (this.phase !== undefined) failure.phase = this.phase;
    if (this.cause !== undefined) failure.cause = this.cause;
    return failure;
  }
}

// The brand lives on the prototype: defining it on each instance would cost more than the
// rest of the error. Symbol.for makes it the same in every realm and copy of the package.
Object.defineProperty(RequestFailure.prototype, BRAND, { value: true });

/**
 * True for any faultline {@link RequestFailure}, including one from another realm or
 * another copy of the package.
 */
export function isRequestFailure(value: unknown): value is RequestFailure {
  if (value instanceof RequestFailure) return true;
  try {
    return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[BRAND] === true;
  } catch {
    return false;
  }
}
