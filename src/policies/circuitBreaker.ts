import type { Failure, FailureKind } from '../types/failure.js';
import type { AttemptContext, RetryContext, RetryDecision, RetryStrategy, RetryVerdict } from '../types/strategies.js';
import { type Diagnostics, guard, processDiagnostics } from '../core/diagnostics.js';
import { isPromiseLike } from '../core/promises.js';
import { type CircuitBreakerOptions, defaultCircuitBreakerOptions, settleBreaker } from './circuitBreakerOptions.js';
import type { CircuitRecord, CircuitState, CircuitStateChange } from './circuitRecord.js';
import { normalizeDecision } from './normalizeDecision.js';
import { ratioMessage, ratioRule } from './ratioRule.js';
import { SamplingWindow } from './samplingWindow.js';
import { memoryStore } from './stateStore.js';
import { whenShared } from './sharing.js';
import { recordWrapper } from './strategyChain.js';
import { THROTTLE_HOLD } from './throttleGate.js';

export type { CircuitRecord, CircuitState, CircuitStateChange } from './circuitRecord.js';
export { type CircuitBreakerOptions, defaultCircuitBreakerOptions } from './circuitBreakerOptions.js';

/** A retry strategy that is also a circuit breaker, whose state can be read and heard. */
export interface CircuitBreakerStrategy extends RetryStrategy {
  /** The state of the circuit this breaker decided for last (or of `name`). */
  readonly state: CircuitState;
  /** The state of one circuit: by upstream (or `name`), and with `perRoute` `upstream route`. */
  stateOf(key: string): CircuitState;
  /** Every circuit this breaker knows, by key. */
  states(): IterableIterator<[string, CircuitState]>;
  /** Hears every change of state; `dispose()` stops hearing. A throwing listener is reported, never thrown. */
  onStateChange(listener: (change: CircuitStateChange) => void): { dispose(): void };
}

/** One circuit of a breaker with what it guards: what the `faultline.circuit.state` gauge labels. */
export interface CircuitInfo {
  readonly key: string;
  readonly upstream: string;
  readonly route: string | undefined;
  readonly state: CircuitState;
}

interface BreakerEntry {
  diagnostics: Diagnostics;
  readonly circuits: () => Iterable<CircuitInfo>;
}

const breakers = new WeakMap<RetryStrategy, BreakerEntry>();

/** The breaker among a strategy chain's links, if that link is one. */
export function asCircuitBreaker(strategy: RetryStrategy): CircuitBreakerStrategy | undefined {
  return breakers.has(strategy) ? (strategy as CircuitBreakerStrategy) : undefined;
}

/** Every circuit a breaker knows, with the upstream and route each guards. */
export function circuitsOf(breaker: CircuitBreakerStrategy): Iterable<CircuitInfo> {
  return breakers.get(breaker)?.circuits() ?? [];
}

/** Where a breaker reports a throwing listener: the first client that uses it. */
export function reportBreakerTroubleTo(breaker: CircuitBreakerStrategy, diagnostics: Diagnostics): void {
  const entry = breakers.get(breaker);
  if (entry !== undefined && entry.diagnostics === processDiagnostics) entry.diagnostics = diagnostics;
}

/**
 * Wraps a strategy with a circuit breaker per upstream (and with `perRoute`, per route):
 * when a rule trips, the circuit opens and attempts fail fast with `circuit_open` without
 * being sent; after `breakDurationMs` it half-opens and lets `halfOpenTrials` trials
 * through, whose outcome closes it or opens it again. The rules (see
 * {@link CircuitBreakerOptions}): `failureThreshold` consecutive failures, or — in the
 * manner of Polly v8 and resilience4j — a share of failed (`failureRatio`) or slow
 * (`slowCallMs`, `slowCallRatio`) calls over a sliding `samplingWindowMs` once it holds
 * `minimumThroughput` calls. Synchronous whenever the wrapped strategy is.
 *
 * With shared state (Redis) each replica's rules still decide for that replica; the fleet
 * opens a circuit for every replica on evidence from several of them (see `sharedState`).
 *
 * @example
 * ```ts
 * const retry = circuitBreaker(exponentialBackoff(), { failureThreshold: 5, breakDurationMs: 10_000 });
 * retry.onStateChange(({ key, state }) => console.log(`${key} is now ${state}`));
 *
 * // Polly-style: open when 20% of at least 50 calls over 30 s failed, or half took over 2 s.
 * const perEndpoint = circuitBreaker(exponentialBackoff(), {
 *   failureRatio: 0.2, minimumThroughput: 50, slowCallMs: 2_000, slowCallRatio: 0.5, perRoute: true,
 * });
 * ```
 */
export function circuitBreaker(inner: RetryStrategy, options: CircuitBreakerOptions = {}): CircuitBreakerStrategy {
  const { failureThreshold, window: rule, breakDurationMs, halfOpenTrials } = settleBreaker(options);
  const now = options.now ?? defaultCircuitBreakerOptions.now;
  const tripOn = new Set<FailureKind>(options.tripOn ?? defaultCircuitBreakerOptions.tripOn);
  const perRoute = options.perRoute === true;
  let store = options.store ?? memoryStore<CircuitRecord>();
  const listeners = new Set<(change: CircuitStateChange) => void>();
  const known = new Map<string, { readonly upstream: string; readonly route: string | undefined }>();
  let lastKey = options.name ?? '';

  const keyOf = (context: AttemptContext): string => {
    const upstream = options.name ?? context.upstream;
    const route = perRoute ? context.route : undefined;
    const key = route === undefined ? upstream : `${upstream} ${route}`;
    if (!known.has(key)) known.set(key, { upstream, route });
    lastKey = key;
    return key;
  };
  const recordOf = (key: string): CircuitRecord => {
    let record = store.get(key);
    if (record === undefined) {
      record = { state: 'closed', consecutiveFailures: 0, openedAt: 0, trialStartedAt: undefined };
      store.set(key, record);
    }
    return record;
  };
  const moveTo = (key: string, record: CircuitRecord, next: CircuitState): void => {
    if (next === record.state) return;
    const previous = record.state;
    record.state = next;
    if (next === 'closed') record.closedAt = now();
    store.set(key, record);
    const where = known.get(key);
    const change: CircuitStateChange = {
      key,
      state: next,
      previous,
      ...(where === undefined ? {} : { upstream: where.upstream }),
      ...(where?.route === undefined ? {} : { route: where.route }),
    };
    for (const listener of listeners)
      guard(entry.diagnostics, 'circuit breaker listener', () => listener(change), undefined);
  };
  const open = (key: string, record: CircuitRecord, because: string, at = now()): void => {
    record.openedAt = at;
    record.openedBecause = because;
    record.trialStartedAt = undefined;
    record.window?.reset();
    delete record.trials;
    moveTo(key, record, 'open');
  };
  const close = (key: string, record: CircuitRecord): void => {
    record.consecutiveFailures = 0;
    record.trialStartedAt = undefined;
    record.window?.reset();
    delete record.trials;
    moveTo(key, record, 'closed');
  };
  const consecutively = `${failureThreshold ?? 0} consecutive failures`;
  const refusal = (record: CircuitRecord): Failure => ({
    kind: 'circuit_open',
    code: 'CIRCUIT_OPEN',
    message: `Circuit open: ${record.openedBecause ?? consecutively}; retrying after ${breakDurationMs} ms`,
  });

  /** A half-open trial reported back: the ratio rules applied to the trials decide. */
  const trial = (key: string, record: CircuitRecord, failed: boolean, slow: boolean): void => {
    const trials = (record.trials ??= { started: 0, reported: 0, failed: 0, slow: 0 });
    trials.reported++;
    if (failed) trials.failed++;
    if (slow) trials.slow++;
    // With the consecutive rule alone, one failed trial is enough.
    if (failed && trials.failed / halfOpenTrials >= (rule?.failureRatio ?? Number.MIN_VALUE))
      open(key, record, `${trials.failed} of ${halfOpenTrials} half-open trials failed`);
    else if (slow && rule !== undefined && trials.slow / halfOpenTrials >= rule.slowCallRatio)
      open(key, record, `${trials.slow} of ${halfOpenTrials} half-open trials took longer than ${rule.slowCallMs} ms`);
    else if (trials.reported >= halfOpenTrials) close(key, record);
  };

  /** Counts one attempt's outcome against the circuit's rules. */
  const outcome = (key: string, record: CircuitRecord, failed: boolean, durationMs: number | undefined): void => {
    const slow = rule !== undefined && durationMs !== undefined && durationMs > rule.slowCallMs;
    if (failed) {
      record.failures = (record.failures ?? 0) + 1;
      record.consecutiveFailures++;
    } else {
      // The upstream answered: it is alive, whatever it thought of the request.
      record.successes = (record.successes ?? 0) + 1;
      record.consecutiveFailures = 0;
    }
    if (slow) record.slowCalls = (record.slowCalls ?? 0) + 1;
    if (record.state === 'half-open') trial(key, record, failed, slow);
    else if (record.state === 'open') {
      // A call in flight when the circuit opened. The window rules learn nothing from it;
      // the consecutive rule alone keeps what it always did (an answer closes, failures extend).
      if (rule === undefined) {
        if (!failed) close(key, record);
        else if (record.consecutiveFailures >= (failureThreshold ?? 0)) open(key, record, consecutively);
      }
    } else if (failed && failureThreshold !== undefined && record.consecutiveFailures >= failureThreshold) {
      open(key, record, consecutively);
    } else if (rule !== undefined) {
      const window = (record.window ??= new SamplingWindow(rule.samplingWindowMs));
      window.record(now(), failed, slow);
      const trip = ratioRule(window, rule);
      if (trip !== undefined) open(key, record, ratioMessage(trip, window, rule));
    }
    store.set(key, record);
  };

  /** Counts the failure; a verdict when the breaker stops the call itself. */
  const judge = (context: RetryContext): RetryVerdict | undefined => {
    const { failure } = context;
    if (failure.kind === 'circuit_open') return { delayMs: null, reason: 'circuit_open' };
    // Held back unsent by the throttle gate: no news of the upstream's health.
    if (failure.code === THROTTLE_HOLD) return undefined;
    const key = keyOf(context);
    const record = recordOf(key);
    outcome(key, record, tripOn.has(failure.kind), context.durationMs);
    return record.state === 'open' ? { delayMs: null, reason: 'circuit_opened' } : undefined;
  };

  /** Follows what the fleet decided (shared state sets the fleet fields in the background). */
  const followFleet = (key: string, record: CircuitRecord): void => {
    const { fleetOpenedAt, fleetClosedAt } = record;
    if (fleetClosedAt !== undefined && record.state !== 'closed' && fleetClosedAt > record.openedAt) {
      close(key, record);
    } else if (fleetOpenedAt !== undefined && fleetOpenedAt > record.openedAt) {
      if (record.state === 'closed' && fleetOpenedAt <= (record.closedAt ?? 0)) return;
      open(key, record, 'the fleet’s evidence, from several replicas', fleetOpenedAt);
    }
  };

  /** Within a break of `since`: a clock stepped back further has let it pass (not kept it open for as long). */
  const withinBreak = (at: number, since: number) => at - since < breakDurationMs && since - at < breakDurationMs;

  /** Whether a half-open circuit lets this attempt through as a trial. */
  const admitsTrial = (record: CircuitRecord, at: number): boolean => {
    const trials = (record.trials ??= { started: 0, reported: 0, failed: 0, slow: 0 });
    if (trials.started >= halfOpenTrials) {
      if (record.trialStartedAt !== undefined && withinBreak(at, record.trialStartedAt)) return false;
      // Trials that never reported back are replaced in time.
      trials.started = trials.reported;
    }
    // Opened by the fleet: one replica (the ticket's holder) runs the trials for all.
    if (record.fleetOpenedAt !== undefined && trials.started === 0) {
      if (record.trialTicket !== true) return false;
      record.trialTicket = false;
    }
    trials.started++;
    record.trialStartedAt = at;
    return true;
  };

  const breaker: CircuitBreakerStrategy = {
    get state() {
      return store.get(lastKey)?.state ?? 'closed';
    },
    stateOf: (key) => store.get(key)?.state ?? 'closed',
    *states() {
      for (const key of known.keys()) yield [key, store.get(key)?.state ?? 'closed'];
    },
    onStateChange(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    beforeAttempt(context) {
      const key = keyOf(context);
      const record = recordOf(key);
      const at = now();
      if (record.fleetOpenedAt !== undefined || record.fleetClosedAt !== undefined) followFleet(key, record);
      if (record.state === 'open') {
        if (withinBreak(at, record.openedAt)) return refusal(record);
        record.trials = { started: 0, reported: 0, failed: 0, slow: 0 };
        moveTo(key, record, 'half-open');
      }
      if (record.state === 'half-open') {
        // Trials probe a recovering upstream one call each: a race of hedges is not one.
        if (context.hedge === true || !admitsTrial(record, at)) return refusal(record);
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
      const key = keyOf(context);
      outcome(key, recordOf(key), false, context.durationMs);
      inner.onSuccess?.(context);
    },
  };
  const entry: BreakerEntry = {
    diagnostics: processDiagnostics,
    *circuits() {
      for (const [key, { upstream, route }] of known)
        yield { key, upstream, route, state: store.get(key)?.state ?? 'closed' };
    },
  };
  const { onStateChange } = options;
  if (onStateChange !== undefined)
    breaker.onStateChange(({ state, previous, key }) => onStateChange(state, previous, key));
  breakers.set(breaker, entry);
  if (options.store === undefined)
    whenShared(breaker, (share) => {
      const settings: Record<string, number> = { halfOpenAfterMs: breakDurationMs };
      if (failureThreshold !== undefined) settings['failureThreshold'] = failureThreshold;
      if (rule !== undefined) Object.assign(settings, rule);
      store = share<CircuitRecord>({ kind: 'circuit', settings });
    });
  return recordWrapper(breaker, inner);
}
