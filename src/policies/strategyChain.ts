import type { RetryStrategy } from '../types/strategies.js';

/** Which strategy each wrapper wraps; kept here so wrappers need no public `inner` field. */
const wrapped = new WeakMap<RetryStrategy, RetryStrategy>();

/** Records that `outer` wraps `inner` (retryBudget and circuitBreaker call it). */
export function recordWrapper<S extends RetryStrategy>(outer: S, inner: RetryStrategy): S {
  wrapped.set(outer, inner);
  return outer;
}

/** The strategy and every strategy it wraps, outermost first. */
export function* strategyChain(strategy: RetryStrategy): Generator<RetryStrategy> {
  for (let current: RetryStrategy | undefined = strategy; current !== undefined; current = wrapped.get(current))
    yield current;
}
