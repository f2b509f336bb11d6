/** Auth strategies: credentials per attempt, one replay after a 401. */
import type { Failure } from './failure.js';

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
