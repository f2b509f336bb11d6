/** Fallback: an answer for the caller when the upstream is unwell. */
import type { Failure, FailureKind } from '../../types/failure.js';

/** What a fallback function is told of the call it answers for. */
export interface FallbackContext {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The request URL, redacted. */
  readonly url: string;
  /** The upstream's name (the client's `name`). */
  readonly upstream: string;
  /** The route template (or the URL's path when none was given). */
  readonly route: string;
  /** How many attempts were made (0 when none was sent, e.g. an open circuit). */
  readonly attempts: number;
  /**
   * What the caller asked for: `'json'` from `client.json()` (the answer is the value it
   * resolves to), `'response'` from the Response methods and `createFetch`.
   */
  readonly mode: 'json' | 'response';
  /**
   * Aborts when the caller gives up, or when an async fallback has run for the call's
   * total timeout (`timeout.totalMs`) without answering; then the fallback's answer is not used
   * and the original failure is thrown. Pass it to any I/O the fallback does.
   */
  readonly signal: AbortSignal;
}

/**
 * Computes the answer from the failure and the call: a value (what `json()` resolves to;
 * the body of a JSON Response in Response mode), or a `Response` of your own, sync or as a
 * promise. A throw or a rejection is reported through the client's diagnostics and the
 * original failure is thrown.
 */
export type FallbackAnswer<T = unknown> = (
  failure: Failure,
  call: FallbackContext,
) => T | Response | PromiseLike<T | Response>;

/** The kinds a fallback answers for, shared by both forms of {@link FallbackOptions}. */
interface FallbackKinds {
  /**
   * The failure kinds that are answered; every other failure is thrown as usual.
   * `cancelled` is never answered, even when listed: the caller who aborted is not waiting
   * for an answer.
   * @default ['timeout', 'network', 'server', 'throttled', 'circuit_open', 'load_shed'] (`DEFAULTS.fallbackOn`):
   * the kinds that mean the upstream is unwell
   */
  readonly on?: readonly FailureKind[];
}

/**
 * A fallback in its long form: a constant `value`, or an `answer` function, and the kinds
 * it answers for.
 */
export type FallbackOptions<T = unknown> =
  | (FallbackKinds & {
      /**
       * The answer: what `json()` resolves to, or the body of a JSON Response (status 200,
       * header `x-faultline-fallback: true`). The same value is handed out every time; a
       * `Response` given here is copied for each call (its body read once).
       */
      readonly value: T;
      readonly answer?: never;
    })
  | (FallbackKinds & {
      /** Computes the answer for each failure (see {@link FallbackAnswer}). */
      readonly answer: FallbackAnswer<T>;
      readonly value?: never;
    });
