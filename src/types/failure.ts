/** What a failure is: the classified `Failure` and the shapes `classify()` reads. */
import type { FailureKind } from '../core/failureKinds.js';

export type { FailureKind };

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
