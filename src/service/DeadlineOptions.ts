/** Options of `deadlines` (Express and Fastify alike). */
export interface DeadlineOptions {
  /**
   * The headers the caller's budget is read from, first present wins. `grpc-timeout` is
   * read in gRPC's format (`250m`, `3S`), a name ending in `-ms` in milliseconds, any other
   * in seconds (`0.3`). Malformed values are ignored.
   *
   * @default ['x-request-timeout', 'x-envoy-expected-rq-timeout-ms', 'grpc-timeout']
   */
  readonly header?: string | readonly string[];
  /** The budget when the caller sends none; without it such a request has no deadline. */
  readonly defaultMs?: number;
  /** The longest budget a caller may ask for; a longer one is cut to this. */
  readonly maxMs?: number;
  /**
   * A header every outgoing call made while handling the request carries, with the call's
   * budget (its own timeout or what the caller has left, the shorter) in the header's unit,
   * so the next service can do the same. Off by default: the header would reach every
   * upstream, third parties included.
   *
   * @example
   * ```ts
   * app.use(deadlines({ header: 'x-request-timeout', propagate: 'x-request-timeout' }));
   * ```
   */
  readonly propagate?: string;
}

/** The headers read when the app names none. */
export const DEFAULT_DEADLINE_HEADERS: readonly string[] = Object.freeze([
  'x-request-timeout',
  'x-envoy-expected-rq-timeout-ms',
  'grpc-timeout',
]);
