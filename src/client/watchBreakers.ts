import type { Diagnostics } from '../core/diagnostics.js';
import { asCircuitBreaker, type CircuitState, circuitsOf, reportBreakerTroubleTo } from '../policies/circuitBreaker.js';
import { strategyChain } from '../policies/strategyChain.js';
import type { RetryStrategy } from '../types/strategies.js';

/**
 * The circuits of every breaker in a client's strategy chain, kept current by the
 * breakers' own state-change events: what the client's `faultline.circuit.state` gauge
 * reads. Keyed by upstream, or for a per-route circuit by upstream, U+0000 and route (the
 * gauge's `faultline.upstream` and `faultline.route` labels). Per client, so two breakers
 * never overwrite each other's state.
 */
export function watchBreakers(strategy: RetryStrategy, diagnostics: Diagnostics): ReadonlyMap<string, CircuitState> {
  const states = new Map<string, CircuitState>();
  const gaugeKey = (upstream: string, route: string | undefined) =>
    route === undefined ? upstream : `${upstream}\u0000${route}`;
  for (const link of strategyChain(strategy)) {
    const breaker = asCircuitBreaker(link);
    if (breaker === undefined) continue;
    reportBreakerTroubleTo(breaker, diagnostics);
    for (const { upstream, route, state } of circuitsOf(breaker)) states.set(gaugeKey(upstream, route), state);
    breaker.onStateChange(({ key, upstream, route, state }) => states.set(gaugeKey(upstream ?? key, route), state));
  }
  return states;
}
