import type { Failure, FailureKind } from '../types/failure.js';
import type { RetryContext, RetryDecision, RetryStrategy, RetryVerdict } from '../types/strategies.js';
import { type Diagnostics, guard, processDiagnostics } from '../core/diagnostics.js';
import { isPromiseLike } from '../core/promises.js';
import { withoutUndefined } from '../core/withoutUndefined.js';
import { normalizeDecision } from './normalizeDecision.js';
import { memoryStore, type StateStore } from './stateStore.js';
import { whenShared } from './sharing.js';
import { recordWrapper } from './strategyChain.js';
import { THROTTLE_HOLD } from './throttleGate.js';

/** `closed`: traffic flows. `open`: attempts fail fast. `half-open`: one trial is let through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** A breaker's state for one key, as its store keeps it. */
export interface CircuitRecord {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  /** When the half-open trial was let through, while it has not reported back. */
  trialStartedAt: number | undefined;
  /** Failures and answers counted so far (the evidence shared state sums over the fleet). */
  failures?: number;
  successes?: number;
  /** When the circuit last closed. */
  closedAt?: number;
  /** Set by shared state: when the fleet opened the circuit (on evidence from several replicas). */
  fleetOpenedAt?: number | undefined;
  /** Set by shared state: when the fleet's half-open trial succeeded and closed it. */
  fleetClosedAt?: number | undefined;
  /** Set by shared state: this replica holds the fleet's one half-open trial. */
  trialTicket?: boolean;
}

/** One change of state, as {@link CircuitBreakerStrategy.onStateChange} listeners hear it. */
export interface CircuitStateChange {
  /** The upstream (or the breaker's `name`) whose circuit changed. */
  readonly key: string;
  readonly state: CircuitState;
  readonly previous: CircuitState;
}

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
   * One circuit under this name for every upstream the breaker guards. Without it, each
   * upstream (the client's `name`) has a circuit of its own.
   * @default each call's upstream
   */
  readonly name?: string;
  /** Hears every change of state (the key is the upstream, or `name`). */
  readonly onStateChange?: (state: CircuitState, previous: CircuitState, key: string) => void;
  /**
   * Where the circuits' state is kept, keyed per upstream.
   * @default an in-memory store
   */
  readonly store?: StateStore<CircuitRecord>;
  /** Milliseconds now; for tests. @default Date.now */
  readonly now?: () => number;
}

/** The defaults of {@link circuitBreaker}. */
export const defaultCircuitBreakerOptions = {
  failureThreshold: 5,
  halfOpenAfterMs: 30_000,
  tripOn: ['server', 'network', 'timeout'],
  now: Date.now,
} as const satisfies Required<Pick<CircuitBreakerOptions, 'failureThreshold' | 'halfOpenAfterMs' | 'tripOn' | 'now'>>;

/** A retry strategy that is also a circuit breaker, whose state can be read and heard. */
export interface CircuitBreakerStrategy extends RetryStrategy {
  /** The state of the circuit this breaker decided for last (or of `name`). */
  readonly state: CircuitState;
  /** The state of one upstream's circuit. */
  stateOf(key: string): CircuitState;
  /** Every circuit this breaker knows, by key. */
  states(): IterableIterator<[string, CircuitState]>;
  /** Hears every change of state; `dispose()` stops hearing. A throwing listener is reported, never thrown. */
  onStateChange(listener: (change: CircuitStateChange) => void): { dispose(): void };
}

const breakers = new WeakMap<RetryStrategy, { diagnostics: Diagnostics }>();

/** The breaker among a strategy chain's links, if that link is one. */
export function asCircuitBreaker(strategy: RetryStrategy): CircuitBreakerStrategy | undefined {
  return breakers.has(strategy) ? (strategy as CircuitBreakerStrategy) : undefined;
}

/** Where a breaker reports a throwing listener: the first client that uses it. */
export function reportBreakerTroubleTo(breaker: CircuitBreakerStrategy, diagnostics: Diagnostics): void {
  const entry = breakers.get(breaker);
  if (entry !== undefined && entry.diagnostics === processDiagnostics) entry.diagnostics = diagnostics;
}

/**
 * Wraps a strategy with a circuit breaker per upstream: after `failureThreshold`
 * consecutive failures the upstream's circuit opens and attempts fail fast with
 * `circuit_open` without being sent; after `halfOpenAfterMs` one trial goes through, and
 * its success closes the circuit again. Synchronous whenever the wrapped strategy is.
 *
 * @example
 * ```ts
 * const retry = circuitBreaker(exponentialBackoff(), { failureThreshold: 5, halfOpenAfterMs: 10_000 });
 * retry.onStateChange(({ key, state }) => console.log(`${key} is now ${state}`));
 * ```
 */
export function circuitBreaker(inner: RetryStrategy, options: CircuitBreakerOptions = {}): CircuitBreakerStrategy {
  const o = { ...defaultCircuitBreakerOptions, ...withoutUndefined(options) };
  const tripOn = new Set<FailureKind>(o.tripOn);
  let store = o.store ?? memoryStore<CircuitRecord>();
  const listeners = new Set<(change: CircuitStateChange) => void>();
  const known = new Set<string>();
  const entry = { diagnostics: processDiagnostics };
  let lastKey = options.name ?? '';

  const keyOf = (upstream: string): string => options.name ?? upstream;
  const recordOf = (key: string): CircuitRecord => {
    let record = store.get(key);
    if (record === undefined) {
      record = { state: 'closed', consecutiveFailures: 0, openedAt: 0, trialStartedAt: undefined };
      store.set(key, record);
    }
    known.add(key);
    lastKey = key;
    return record;
  };
  const moveTo = (key: string, record: CircuitRecord, next: CircuitState): void => {
    if (next === record.state) return;
    const previous = record.state;
    record.state = next;
    if (next === 'closed') record.closedAt = o.now();
    store.set(key, record);
    const change: CircuitStateChange = { key, state: next, previous };
    for (const listener of listeners)
      guard(entry.diagnostics, 'circuit breaker listener', () => listener(change), undefined);
  };
  const refusal = (): Failure => ({
    kind: 'circuit_open',
    code: 'CIRCUIT_OPEN',
    message: `Circuit open after ${o.failureThreshold} consecutive failures; retrying after ${o.halfOpenAfterMs} ms`,
  });
  /** Counts the failure; a verdict when the breaker stops the call itself. */
  const judge = (context: RetryContext): RetryVerdict | undefined => {
    const { failure } = context;
    if (failure.kind === 'circuit_open') return { delayMs: null, reason: 'circuit_open' };
    // Held back unsent by the throttle gate: no news of the upstream's health.
    if (failure.code === THROTTLE_HOLD) return undefined;
    const key = keyOf(context.upstream);
    const record = recordOf(key);
    if (tripOn.has(failure.kind)) {
      record.failures = (record.failures ?? 0) + 1;
      record.consecutiveFailures++;
      if (record.state === 'half-open' || record.consecutiveFailures >= o.failureThreshold) {
        record.openedAt = o.now();
        record.trialStartedAt = undefined;
        moveTo(key, record, 'open');
      }
    } else {
      // The upstream answered: it is alive, whatever it thought of the request.
      record.successes = (record.successes ?? 0) + 1;
      record.consecutiveFailures = 0;
      record.trialStartedAt = undefined;
      moveTo(key, record, 'closed');
    }
    store.set(key, record);
    return record.state === 'open' ? { delayMs: null, reason: 'circuit_opened' } : undefined;
  };

  /** Follows what the fleet decided (shared state sets the fleet fields in the background). */
  const followFleet = (key: string, record: CircuitRecord): void => {
    const { fleetOpenedAt, fleetClosedAt } = record;
    if (fleetClosedAt !== undefined && record.state !== 'closed' && fleetClosedAt > record.openedAt) {
      record.consecutiveFailures = 0;
      record.trialStartedAt = undefined;
      moveTo(key, record, 'closed');
    } else if (fleetOpenedAt !== undefined && fleetOpenedAt > record.openedAt) {
      if (record.state === 'closed' && fleetOpenedAt <= (record.closedAt ?? 0)) return;
      record.openedAt = fleetOpenedAt;
      record.trialStartedAt = undefined;
      moveTo(key, record, 'open');
    }
  };

  const breaker: CircuitBreakerStrategy = {
    get state() {
      return store.get(lastKey)?.state ?? 'closed';
    },
    stateOf: (key) => store.get(key)?.state ?? 'closed',
    *states() {
      for (const key of known) yield [key, store.get(key)?.state ?? 'closed'];
    },
    onStateChange(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    beforeAttempt(context) {
      const key = keyOf(context.upstream);
      const record = recordOf(key);
      const now = o.now();
      if (record.fleetOpenedAt !== undefined || record.fleetClosedAt !== undefined) followFleet(key, record);
      if (record.state === 'open') {
        if (now - record.openedAt < o.halfOpenAfterMs) return refusal();
        moveTo(key, record, 'half-open');
      }
      if (record.state === 'half-open') {
        // Opened by the fleet: one replica (the ticket's holder) runs the trial for all.
        if (record.fleetOpenedAt !== undefined) {
          if (record.trialTicket !== true) return refusal();
          record.trialTicket = false;
        }
        // One trial at a time; a trial that never reported back is replaced in time.
        if (record.trialStartedAt !== undefined && now - record.trialStartedAt < o.halfOpenAfterMs) return refusal();
        record.trialStartedAt = now;
        store.set(key, record);
      }
      return inner.beforeAttempt?.(context);
    },
    nextDelay(context): RetryDecision | Promise<RetryDecision> {
      const stopped = judge(context);
      if (stopped !== undefined) return stopped;
      const decision = inner.nextDelay(context);
      return isPromiseLike(decision) ? Promise.resolve(decision).then(normalizeDecision) : normalizeDecision(decision);
    },
    onSuccess(context) {
      const key = keyOf(context.upstream);
      const record = recordOf(key);
      record.successes = (record.successes ?? 0) + 1;
      record.consecutiveFailures = 0;
      record.trialStartedAt = undefined;
      moveTo(key, record, 'closed');
      store.set(key, record);
      inner.onSuccess?.(context);
    },
  };
  const { onStateChange } = options;
  if (onStateChange !== undefined)
    breaker.onStateChange(({ state, previous, key }) => onStateChange(state, previous, key));
  breakers.set(breaker, entry);
  if (o.store === undefined)
    whenShared(breaker, (share) => {
      const { failureThreshold, halfOpenAfterMs } = o;
      store = share<CircuitRecord>({ kind: 'circuit', settings: { failureThreshold, halfOpenAfterMs } });
    });
  return recordWrapper(breaker, inner);
}
