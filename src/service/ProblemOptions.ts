import type { FaultlineLogger } from '../types/logger.js';
import type { FailureKind } from '../core/failureKinds.js';
import type { RequestFailure } from '../errors/RequestFailure.js';

/** How one failure is answered: the status, and optionally the problem document's members. */
export interface ProblemMapping {
  /** The HTTP status to answer with (400–599). */
  readonly status: number;
  /** The problem's `title`. Default: the status phrase, or the kind's title when `typeBase` is set. */
  readonly title?: string;
  /** The problem's `type` URI. Default: `typeBase` + kind, or `about:blank`. */
  readonly type?: string;
  /**
   * The problem's `detail`: text meant for the caller. Never taken from an error's message
   * unless a rule says so, since messages carry internal URLs.
   */
  readonly detail?: string;
  /** Extra response headers (e.g. `www-authenticate` for an app's own 401). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A mapping, or a function choosing one for the error (undefined: fall through to the next rule). */
export type ProblemRule<E> = ProblemMapping | ((error: E) => ProblemMapping | undefined);

/** An error class the app throws (matched with `instanceof`). */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Options of `problemResponses` (Express and Fastify alike). */
export interface ProblemOptions {
  /**
   * Per-kind overrides of the default table (README "Answering your callers").
   *
   * @example
   * ```ts
   * { kinds: { client: (error) => (error.status === 404 ? { status: 404 } : undefined) } }
   * ```
   */
  readonly kinds?: Partial<Record<FailureKind, ProblemRule<RequestFailure>>>;
  /**
   * The app's own error classes and how each is answered; the first class the error is an
   * instance of wins, before the per-kind table (so a RequestFailure subclass may be listed too).
   *
   * @example
   * ```ts
   * { errors: [[NotFoundError, { status: 404, title: 'No such order' }], [NotLoggedIn, { status: 401 }]] }
   * ```
   */
  readonly errors?: Iterable<readonly [ErrorClass, ProblemRule<Error>]>;
  /**
   * Prefix of the `type` URI, followed by the kind (`https://errors.example.com/` →
   * `https://errors.example.com/timeout`). Without it `type` is `about:blank` and `title`
   * is the status phrase, as RFC 9457 asks.
   */
  readonly typeBase?: string;
  /**
   * `problem` (default): `application/problem+json`, or `application/json` to a caller
   * whose Accept names only that; `json`: always `application/json`. Never HTML.
   *
   * @default 'problem'
   */
  readonly mediaType?: 'problem' | 'json';
  /**
   * The `WWW-Authenticate` challenge sent with the app's own 401s (a 401 without one
   * leaves the caller unable to tell how to authenticate).
   *
   * @default 'Bearer'
   */
  readonly challenge?: string;
  /**
   * Where the two lines this writes go: a caller that went away (`cancelled`, told as 499)
   * and an unexpected error answered with 500. Upstream failures are not logged again: the
   * client already told them. Default: the logger `init()` built, or one from the environment.
   */
  readonly logger?: FaultlineLogger;
}
