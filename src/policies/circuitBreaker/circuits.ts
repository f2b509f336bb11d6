import { type Diagnostics, guard } from '../../core/diagnostics.js';
import type { Clock } from '../../core/clock.js';
import type { Failure, FailureKind } from '../../types/failure.js';
import type {
  AttemptInfo,
  CircuitInfo,
  FailedAttempt,
  PolicyHooks,
  SucceededAttempt,
  Verdict,
} from '../../types/policy.js';

export type { CircuitInfo };
import type { StateStore } from '../stateStore.js';
import { THROTTLE_HOLD } from '../throttle/throttleHold.js';
import type { BreakerSettings, CircuitSnapshot } from './CircuitBreakerOptions.js';
import type { CircuitRecord, CircuitState, CircuitStateChange } from './circuitRecord.js';
import { ratioMessage, ratioRule } from './ratioRule.js';
import { SamplingWindow } from './samplingWindow.js';

/** What a circuit guards. */
export interface Guarded {
  readonly upstream: string;
  readonly route: string | undefined;
}

/** What one client's build of a breaker is made with. */
export interface CircuitsSetup {
  readonly settings: BreakerSettings;
  readonly tripOn: ReadonlySet<FailureKind>;
  readonly perRoute: boolean;
  /** One circuit under this name for every upstream, when given. */
  readonly name: string | undefined;
  readonly store: StateStore<CircuitRecord>;
  readonly clock: Clock;
  readonly diagnostics: Diagnostics;
  /** Every key this breaker has seen, with what it guards (shared by the breaker's builds). */
  readonly known: ReadonlyMap<string, Guarded>;
  /** Tells the breaker of a key first seen here. */
  readonly noteKey: (key: string, guarded: Guarded) => void;
  readonly listeners: ReadonlySet<(change: CircuitStateChange) => void>;
  readonly initialState: CircuitSnapshot | undefined;
  /** Hears each circuit when first seen and at every change (the client's gauge). */
  readonly tell: ((circuit: CircuitInfo) => void) | undefined;
}

/**
 * The circuits of one client's build of a breaker: closed → open when a rule trips; open
 * refuses attempts unsent (`circuit_open`) until `breakDurationMs` has passed; half-open
 * lets `halfOpenTrials` trials through, whose outcome closes it or opens it again.
 */
export function circuits(setup: CircuitsSetup): PolicyHooks {
  const { settings, tripOn, perRoute, store, clock, diagnostics, known, noteKey, listeners, initialState, tell } =
    setup;
  const { failureThreshold, window: rule, breakDurationMs, halfOpenTrials } = settings;
  const now = () => clock.now();

  const keyOf = (attempt: AttemptInfo): string => {
    const upstream = setup.name ?? attempt.upstream;
    const route = perRoute ? attempt.route : undefined;
    const key = route === undefined ? upstream : `${upstream} ${route}`;
    if (!known.has(key)) {
      noteKey(key, { upstream, route });
      if (tell !== undefined)
        guard(
          diagnostics,
          'circuit gauge',
          () => tell({ key, upstream, route, state: store.get(key)?.state ?? 'closed' }),
          undefined,
        );
    }
    return key;
  };
  const recordOf = (key: string): CircuitRecord => {
    let record = store.get(key);
    if (record === undefined) {
      const initial = initialState?.[key];
      record = { state: 'closed', consecutiveFailures: 0, openedAt: 0, trialStartedAt: undefined };
      if (initial?.state === 'open' || initial?.state === 'half-open') {
        // A trial that was in flight when the snapshot was taken never reports: start the break again.
        record.state = 'open';
        record.openedAt = initial.openedAt;
        record.openedBecause = 'the state it was given (initialState)';
      }
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
    if (tell !== undefined && where !== undefined)
      guard(
        diagnostics,
        'circuit gauge',
        () => tell({ key, upstream: where.upstream, route: where.route, state: next }),
        undefined,
      );
    for (const listener of listeners) guard(diagnostics, 'circuit breaker listener', () => listener(change), undefined);
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
  const openRefusal = (record: CircuitRecord): Failure => ({
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
  const outcome = (key: string, record: CircuitRecord, failed: boolean, durationMs: number): void => {
    const slow = rule !== undefined && durationMs > rule.slowCallMs;
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

  return {
    beforeAttempt(attempt: AttemptInfo): Failure | undefined {
      const key = keyOf(attempt);
      const record = recordOf(key);
      const at = now();
      if (record.fleetOpenedAt !== undefined || record.fleetClosedAt !== undefined) followFleet(key, record);
      if (record.state === 'open') {
        if (withinBreak(at, record.openedAt)) return openRefusal(record);
        record.trials = { started: 0, reported: 0, failed: 0, slow: 0 };
        moveTo(key, record, 'half-open');
      }
      if (record.state === 'half-open') {
        // Trials probe a recovering upstream one call each: a race of hedges is not one.
        if (attempt.hedge === true || !admitsTrial(record, at)) return openRefusal(record);
        store.set(key, record);
      }
      return undefined;
    },
    afterFailure(failed: FailedAttempt, verdict: Verdict): Verdict {
      const { failure } = failed;
      if (failure.kind === 'circuit_open') return { delayMs: null, reason: 'circuit_open' };
      // Held back unsent by the throttle: no news of the upstream's health.
      if (failure.code === THROTTLE_HOLD) return verdict;
      const key = keyOf(failed);
      const record = recordOf(key);
      outcome(key, record, tripOn.has(failure.kind), failed.durationMs);
      return record.state === 'open' ? { delayMs: null, reason: 'circuit_opened' } : verdict;
    },
    onSuccess(succeeded: SucceededAttempt): void {
      const key = keyOf(succeeded);
      outcome(key, recordOf(key), false, succeeded.durationMs);
    },
  };
}
