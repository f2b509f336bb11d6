/** State shared between the replicas of a service. */

/**
 * State that the replicas of a service share through Redis: the throttle learned from
 * Retry-After, the retry budget, the circuits and the Sentry cap. Pass it as a client's
 * `shared` option (or set `FAULTLINE_REDIS_URL`).
 */
export interface SharedState {
  readonly prefix: string;
  readonly replicaId: string;
  /** False while Redis is unreachable (every decision is then local). */
  readonly healthy: boolean;
  /**
   * Runs one round now (after the one in flight, if any, so it carries everything this
   * replica knew when asked); resolves to whether it reached Redis.
   */
  sync(): Promise<boolean>;
  /** Stops the rounds and closes the connection faultline opened (not the app's client). */
  close(): Promise<void>;
}
