import type { CircuitState } from './circuitBreaker.js';

/** The numbers the `faultline.circuit.state` gauge reports. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<CircuitState, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

const states = new Map<string, CircuitState>();

/** Records a breaker's state under its upstream's name (the metrics gauge reads it). */
export function recordCircuitState(upstream: string, state: CircuitState): void {
  states.set(upstream, state);
}

/** Every breaker's last state, by upstream. */
export function circuitStates(): ReadonlyMap<string, CircuitState> {
  return states;
}
