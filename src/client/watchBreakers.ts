import type { Diagnostics } from '../core/diagnostics.js';
import { asCircuitBreaker, type CircuitState, reportBreakerTroubleTo } from '../policies/circuitBreaker.js';
import { strategyChain } from '../policies/strategyChain.js';
import type { RetryStrategy } from '../types/strategies.js';

/**
 * The circuits of every breaker in a client's strategy chain, kept current by the
 * breakers' own state-change events: what the client's `faultline.circuit.state` gauge
 * reads. Per client, so two breakers never overwrite each other's state.
 */
export function watchBreakers(strategy: RetryStrategy, diagnostics: Diagnostics): ReadonlyMap<string, CircuitState> {
  const states = new Map<string, CircuitState>();
  for (const link of strategyChain(strategy)) {
    const breaker = asCircuitBreaker(link);
    if (breaker === undefined) continue;
    reportBreakerTroubleTo(breaker, diagnostics);
    for (const [key, state] of breaker.states()) states.set(key, state);
    breaker.onStateChange(({ key, state }) => states.set(key, state));
  }
  return states;
}
