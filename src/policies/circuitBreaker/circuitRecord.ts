import type { CircuitState } from '../../types/policy.js';

export type { CircuitState };
import type { SamplingWindow } from './samplingWindow.js';

/** A breaker's state for one key (an upstream, or upstream and route), as its store keeps it. */
export interface CircuitRecord {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  /** When the last half-open trial was let through, while trials have not all reported back. */
  trialStartedAt: number | undefined;
  /** Failures and answers counted so far (the evidence shared state sums over the fleet). */
  failures?: number;
  successes?: number;
  /** Slow calls counted so far, failed or not (with `slowCallMs`; summed over the fleet too). */
  slowCalls?: number;
  /** When the circuit last closed. */
  closedAt?: number;
  /** The window rules' counts (with `failureRatio` or `slowCallMs`): calls, failures, slow calls. */
  window?: SamplingWindow;
  /** Why the circuit last opened, as the refusal says it. */
  openedBecause?: string;
  /** Half-open trials let through, reported, failed and slow in this half-open period. */
  trials?: { started: number; reported: number; failed: number; slow: number };
  /** Set by shared state: when the fleet opened the circuit (on evidence from several replicas). */
  fleetOpenedAt?: number | undefined;
  /** Set by shared state: when the fleet's half-open trial succeeded and closed it. */
  fleetClosedAt?: number | undefined;
  /** Set by shared state: this replica holds the fleet's one half-open trial. */
  trialTicket?: boolean;
}

/** One change of state, as {@link CircuitBreakerPolicy.onStateChange} listeners hear it. */
export interface CircuitStateChange {
  /**
   * The circuit's key, as `stateOf` takes it: the upstream (or the breaker's `name`), then
   * with `perRoute` a space and the route (`payments /v1/charges/{id}`).
   */
  readonly key: string;
  readonly state: CircuitState;
  readonly previous: CircuitState;
  /** The upstream (or the breaker's `name`) the circuit guards. */
  readonly upstream?: string;
  /** The route the circuit guards, with `perRoute`. */
  readonly route?: string;
}
