import type { Failure, FailureKind, RetryStrategy, RetryVerdict } from '../types.js';
import { withoutUndefined } from '../util/withoutUndefined.js';
import { recordCircuitState } from './circuitRegistry.js';
import { normalizeDecision } from './normalizeDecision.js';

/** `closed`: traffic flows. `open`: attempts fail fast. `half-open`: one trial is let through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (of the `tripOn` kinds) that open the circuit.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * How long the circuit stays open before letting one trial attempt through.
   * @default 30000
   */
  readonly halfOpenAfterMs?: number;
  /**
   * The kinds that count as the upstream being unhealthy.
   * @default ['server', 'network', 'timeout']
   */
  readonly tripOn?: readonly FailureKind[];
  /**
   * The upstream's name in the `faultline.circuit.state` metric.
   * @default the `upstream` of the first call it sees
   */
  readonly name?: string;
  /** Hears every change of state. */
  readonly onStateChange?: (state: CircuitState, previous: CircuitState) => void;
  /** Milliseconds now; for tests. @default Date.now */
  readonly now?: () => number;
}

/** The defaults of {@link circuitBreaker}. */
export const defaultCircuitBreakerOptions = {
  failureThreshold: 5,
  halfOpenAfterMs: 30_000,
  tripOn: ['server', 'network', 'timeout'],
  onStateChange: () => {},
  now: Date.now,
} as const satisfies Required<Omit<CircuitBreakerOptions, 'name'>>;

/** A retry strategy that is also a circuit breaker, whose state can be read. */
export interface CircuitBreakerStrategy extends RetryStrategy {
  readonly state: CircuitState;
}

/**
 * Wraps a strategy with a circuit breaker: after `failureThreshold` consecutive
 * failures the circuit opens and attempts fail fast with `circuit_open` without being
 * sent; after `halfOpenAfterMs` one trial goes through, and its success closes the
 * circuit again. Share one breaker between the calls to one upstream.
 *
 * @example
 * ```ts
 * const retry = circuitBreaker(exponentialBackoff(), { failureThreshold: 5, halfOpenAfterMs: 10_000 });
 * ```
 */
export function circuitBreaker(inner: RetryStrategy, options: CircuitBreakerOptions = {}): CircuitBreakerStrategy {
  const o = { ...defaultCircuitBreakerOptions, ...withoutUndefined(options) };
  const tripOn = new Set<FailureKind>(o.tripOn);
  let state: CircuitState = 'closed';
  let consecutiveFailures = 0;
  let openedAt = 0;
  let trialStartedAt: number | undefined;
  let name = options.name;

  const moveTo = (next: CircuitState): void => {
    if (next === state) return;
    const previous = state;
    state = next;
    if (name !== undefined) recordCircuitState(name, next);
    try {
      o.onStateChange(next, previous);
    } catch {
      // A listener's mistake must not change the breaker's behaviour.
    }
  };
  const open = (): void => {
    openedAt = o.now();
    trialStartedAt = undefined;
    moveTo('open');
  };
  const refusal = (): Failure => ({
    kind: 'circuit_open',
    code: 'CIRCUIT_OPEN',
    message: `Circuit open after ${o.failureThreshold} consecutive failures; retrying after ${o.halfOpenAfterMs} ms`,
  });

  return {
    get state() {
      return state;
    },
    beforeAttempt(context) {
      if (name === undefined) {
        name = context.upstream;
        recordCircuitState(name, state);
      }
      const now = o.now();
      if (state === 'open') {
        if (now - openedAt < o.halfOpenAfterMs) return refusal();
        moveTo('half-open');
      }
      if (state === 'half-open') {
        // One trial at a time; a trial that never reported back is replaced in time.
        if (trialStartedAt !== undefined && now - trialStartedAt < o.halfOpenAfterMs) return refusal();
        trialStartedAt = now;
      }
      return inner.beforeAttempt?.(context);
    },
    async nextDelay(context): Promise<RetryVerdict> {
      const { failure } = context;
      if (failure.kind === 'circuit_open') return { delayMs: null, reason: 'circuit_open' };
      if (tripOn.has(failure.kind)) {
        consecutiveFailures++;
        if (state === 'half-open' || consecutiveFailures >= o.failureThreshold) open();
      } else {
        // The upstream answered: it is alive, whatever it thought of the request.
        consecutiveFailures = 0;
        trialStartedAt = undefined;
        if (state === 'half-open') moveTo('closed');
      }
      if (state === 'open') return { delayMs: null, reason: 'circuit_opened' };
      return normalizeDecision(await inner.nextDelay(context));
    },
    onSuccess(context) {
      consecutiveFailures = 0;
      trialStartedAt = undefined;
      moveTo('closed');
      inner.onSuccess?.(context);
    },
  };
}
