import type { Diagnostics } from '../core/diagnostics.js';
import { asCircuitBreaker, circuitsOf, reportBreakerTroubleTo } from '../policies/circuitBreaker.js';
import type { CircuitGauge } from '../signals/metrics/metricSignal.js';
import { strategyChain } from '../policies/strategyChain.js';
import type { RetryStrategy } from '../types/strategies.js';

/**
 * The circuits of every breaker in a client's strategy chain, kept current by the
 * breakers' own state-change events: what the client's `faultline.circuit.state` gauge
 * reads, one entry per upstream (and route, for a per-route circuit). Per client, so two
 * breakers never overwrite each other's state.
 */
export function watchBreakers(strategy: RetryStrategy, diagnostics: Diagnostics): ReadonlyMap<string, CircuitGauge> {
  const states = new Map<string, CircuitGauge>();
  const watch = (upstream: string, route: string | undefined, state: CircuitGauge['state']) =>
    states.set(route === undefined ? upstream : `${upstream}\u0000${route}`, { upstream, route, state });
  for (const link of strategyChain(strategy)) {
    const breaker = asCircuitBreaker(link);
    if (breaker === undefined) continue;
    reportBreakerTroubleTo(breaker, diagnostics);
    for (const { upstream, route, state } of circuitsOf(breaker)) watch(upstream, route, state);
    breaker.onStateChange(({ key, upstream, route, state }) => watch(upstream ?? key, route, state));
  }
  return states;
}
