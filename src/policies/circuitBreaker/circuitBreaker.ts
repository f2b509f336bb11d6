import type { FailureKind } from '../../types/failure.js';
import type { Policy, StoreRequest } from '../../types/policy.js';
import { memoryStore } from '../stateStore.js';
import { rejectRemoved } from '../rejectRemoved.js';
import {
  type CircuitBreakerOptions,
  type CircuitSnapshot,
  defaultCircuitBreakerOptions,
  settleBreaker,
} from './CircuitBreakerOptions.js';
import type { CircuitRecord, CircuitState, CircuitStateChange } from './circuitRecord.js';
import { type CircuitInfo, circuits, type Guarded } from './circuits.js';

export type { CircuitInfo } from './circuits.js';

/** A circuit breaker, whose circuits can be read, heard and saved. */
export interface CircuitBreakerPolicy extends Policy {
  /** The state of one circuit: by upstream (or the breaker's `name`), and with `perRoute` by route. */
  stateOf(upstream: string, route?: string): CircuitState;
  /** Every circuit this breaker knows, with what it guards. */
  circuits(): IterableIterator<CircuitInfo>;
  /** Hears every change of state; `dispose()` stops hearing. A throwing listener is reported, never thrown. */
  onStateChange(listener: (change: CircuitStateChange) => void): { dispose(): void };
  /** Each known circuit's state and when it opened: what `initialState` takes back. */
  toJSON(): CircuitSnapshot;
}

/**
 * A circuit breaker per upstream (and with `perRoute`, per route): when a rule trips, the
 * circuit opens and attempts fail fast with `circuit_open` without being sent; after
 * `breakDurationMs` it half-opens and lets `halfOpenTrials` trials through, whose outcome
 * closes it or opens it again. The rules: `failureThreshold` consecutive failures, or — in
 * the manner of Polly v8 and resilience4j — a share of failed (`failureRatio`) or slow
 * (`slowCallMs`, `slowCallRatio`) calls over a sliding `samplingWindowMs` once it holds
 * `minimumThroughput` calls.
 *
 * With shared state (Redis) each replica's rules still decide for that replica; the fleet
 * opens a circuit for every replica on evidence from several of them (see `sharedState`).
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ failureRatio: 0.2, minimumThroughput: 50, perRoute: true });
 * breaker.onStateChange(({ key, state }) => console.log(`${key} is now ${state}`));
 * createClient({ baseUrl, resilience: [retry(), breaker] });
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerPolicy {
  rejectRemoved('circuitBreaker', options, {
    halfOpenAfterMs: 'breakDurationMs',
    now: "the client's clock option",
  });
  const settings = settleBreaker(options);
  const tripOn = new Set<FailureKind>(options.tripOn ?? defaultCircuitBreakerOptions.tripOn);
  const own = options.store ?? memoryStore<CircuitRecord>();
  const known = new Map<string, Guarded>();
  const listeners = new Set<(change: CircuitStateChange) => void>();
  // The store each key was last decided in: the fleet's, for a client sharing state.
  const storeOf = new Map<string, { get(key: string): CircuitRecord | undefined }>();
  const { initialState } = options;
  // A circuit given open (or half-open: its trial never reports) is open until traffic moves
  // it, as the record the first attempt makes of it will be: said before that attempt too.
  const givenOpen = (key: string): boolean =>
    initialState?.[key]?.state === 'open' || initialState?.[key]?.state === 'half-open';
  const stateOfKey = (key: string): CircuitState =>
    (storeOf.get(key) ?? own).get(key)?.state ?? (givenOpen(key) ? 'open' : 'closed');
  const { onStateChange } = options;
  if (onStateChange !== undefined) listeners.add(({ state, previous, key }) => onStateChange(state, previous, key));
  const shareRequest: StoreRequest = {
    kind: 'circuit',
    settings: {
      halfOpenAfterMs: settings.breakDurationMs,
      ...(settings.failureThreshold === undefined ? {} : { failureThreshold: settings.failureThreshold }),
      ...settings.window,
    },
  };

  return {
    name: 'circuitBreaker',
    build(context) {
      const fleet = options.store === undefined ? context.fleetStore?.<CircuitRecord>(shareRequest) : undefined;
      const store = fleet ?? own;
      return circuits({
        settings,
        tripOn,
        perRoute: options.perRoute === true,
        name: options.name,
        store,
        clock: context.clock,
        diagnostics: context.diagnostics,
        known,
        noteKey(key, guarded) {
          known.set(key, guarded);
          if (fleet !== undefined) storeOf.set(key, fleet);
        },
        listeners,
        initialState,
        tell: context.circuitState?.bind(context),
      });
    },
    stateOf: (upstream, route) => stateOfKey(route === undefined ? upstream : `${upstream} ${route}`),
    *circuits() {
      for (const [key, { upstream, route }] of known) yield { key, upstream, route, state: stateOfKey(key) };
    },
    onStateChange(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    toJSON() {
      const snapshot: Record<string, { state: CircuitState; openedAt: number }> = {};
      // Circuits given open and not seen since: a restart before any call keeps them.
      for (const key in initialState)
        if (!known.has(key) && givenOpen(key)) snapshot[key] = { state: 'open', openedAt: initialState[key]!.openedAt };
      for (const key of known.keys()) {
        const record = (storeOf.get(key) ?? own).get(key);
        if (record !== undefined) snapshot[key] = { state: record.state, openedAt: record.openedAt };
      }
      return snapshot;
    },
    describe: () =>
      `circuitBreaker(${
        settings.window === undefined
          ? `failureThreshold=${settings.failureThreshold}`
          : `failureRatio=${settings.window.failureRatio}, minimumThroughput=${settings.window.minimumThroughput}`
      }, breakDurationMs=${settings.breakDurationMs}${options.perRoute === true ? ', perRoute' : ''})`,
  };
}
