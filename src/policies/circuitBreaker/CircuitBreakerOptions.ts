import type { FailureKind } from '../../types/failure.js';
import { ConfigError } from '../../errors/ConfigError.js';
import type { CircuitRecord, CircuitState } from './circuitRecord.js';
import type { RatioRule } from './ratioRule.js';
import type { StateStore } from '../stateStore.js';

/**
 * Options of {@link circuitBreaker}. Two rules can open a circuit:
 * - the **consecutive rule** (`failureThreshold`): that many failures in a row;
 * - the **window rules** (Polly v8's failure ratio, resilience4j's slow calls): over a
 *   sliding `samplingWindowMs`, once at least `minimumThroughput` calls were counted, the
 *   share of failures reaches `failureRatio`, or the share of calls slower than `slowCallMs`
 *   reaches `slowCallRatio`.
 *
 * Giving any window option (`failureRatio`, `minimumThroughput`, `samplingWindowMs`,
 * `slowCallMs`, `slowCallRatio`) turns the window rules on; the consecutive rule then stays
 * on only if `failureThreshold` is given too. With no window option the breaker behaves as
 * it always has: the consecutive rule alone.
 */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures (of the `tripOn` kinds) that open the circuit. Off when a window
   * option is given without it.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * How long the circuit stays open before half-opening (Polly's `BreakDuration`).
   * @default 5000 with the window rules, else 30000
   */
  readonly breakDurationMs?: number;
  /**
   * Share of failed calls (0 to 1) over the sampling window that opens the circuit.
   * @default 0.1
   */
  readonly failureRatio?: number;
  /**
   * Calls the window must have counted before a ratio may open the circuit, so a handful
   * of calls cannot trip it.
   * @default 100
   */
  readonly minimumThroughput?: number;
  /**
   * How far back the window rules count calls (in 10 buckets: the window slides a tenth
   * at a time).
   * @default 30000
   */
  readonly samplingWindowMs?: number;
  /**
   * An attempt that takes longer than this counts as slow, whether it succeeded or failed
   * (resilience4j's `slowCallDurationThreshold`). Without it there is no slow-call rule.
   * @default none
   */
  readonly slowCallMs?: number;
  /**
   * Share of slow calls (0 to 1) over the sampling window that opens the circuit.
   * @default 1 (every call in the window slow, as resilience4j)
   */
  readonly slowCallRatio?: number;
  /**
   * Trial attempts let through while half-open. The ratio rules are applied to them: the
   * circuit opens again as soon as the failed (or slow) trials reach `failureRatio` (or
   * `slowCallRatio`) of `halfOpenTrials` — with the consecutive rule alone, at the first
   * failed trial — and closes once every trial has reported back otherwise.
   * @default 1
   */
  readonly halfOpenTrials?: number;
  /**
   * A circuit per route (the call's `route`, or the path's template) within each
   * upstream, keyed `upstream route`: a failing endpoint does not black out the healthy
   * routes of the same upstream.
   * @default false
   */
  readonly perRoute?: boolean;
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
  /** Hears every change of state (the key is the upstream, or `name`, with the route if `perRoute`). */
  readonly onStateChange?: (state: CircuitState, previous: CircuitState, key: string) => void;
  /**
   * Where the circuits' state is kept, keyed per upstream (and route).
   * @default an in-memory store
   */
  readonly store?: StateStore<CircuitRecord>;
  /**
   * Circuits to start from, as an earlier breaker's `toJSON()` gave them (in the manner of
   * cockatiel): a process that restarts keeps an open circuit open for the rest of its break.
   * @default every circuit closed
   */
  readonly initialState?: CircuitSnapshot;
}

/** What {@link CircuitBreakerPolicy.toJSON} gives and `initialState` takes: each known circuit's state. */
export type CircuitSnapshot = Readonly<Record<string, { readonly state: CircuitState; readonly openedAt: number }>>;

/** The defaults of {@link circuitBreaker}. */
export const defaultCircuitBreakerOptions = {
  failureThreshold: 5,
  consecutiveBreakDurationMs: 30_000,
  tripOn: ['server', 'network', 'timeout'],
  failureRatio: 0.1,
  minimumThroughput: 100,
  samplingWindowMs: 30_000,
  breakDurationMs: 5_000,
  slowCallRatio: 1,
  halfOpenTrials: 1,
} as const satisfies Required<
  Pick<
    CircuitBreakerOptions,
    | 'failureThreshold'
    | 'tripOn'
    | 'failureRatio'
    | 'minimumThroughput'
    | 'samplingWindowMs'
    | 'breakDurationMs'
    | 'slowCallRatio'
    | 'halfOpenTrials'
  >
> & { readonly consecutiveBreakDurationMs: number };

/** A breaker's options with the defaults applied and the rules chosen. */
export interface BreakerSettings {
  /** Consecutive failures that open the circuit, or undefined when that rule is off. */
  readonly failureThreshold: number | undefined;
  /** The window rules, or undefined when they are off. */
  readonly window: RatioRule | undefined;
  readonly breakDurationMs: number;
  readonly halfOpenTrials: number;
}

const WINDOW_OPTIONS = [
  'failureRatio',
  'minimumThroughput',
  'samplingWindowMs',
  'slowCallMs',
  'slowCallRatio',
] as const;

/** Chooses the rules and checks the numbers; a wrong value throws a {@link ConfigError} naming the option. */
export function settleBreaker(options: CircuitBreakerOptions): BreakerSettings {
  const d = defaultCircuitBreakerOptions;
  const windowed = WINDOW_OPTIONS.some((name) => options[name] !== undefined);
  const window: RatioRule | undefined = windowed
    ? {
        failureRatio: check('failureRatio', options.failureRatio ?? d.failureRatio, 'ratio'),
        minimumThroughput: check('minimumThroughput', options.minimumThroughput ?? d.minimumThroughput, 'count'),
        samplingWindowMs: check('samplingWindowMs', options.samplingWindowMs ?? d.samplingWindowMs, 'ms'),
        slowCallMs:
          options.slowCallMs === undefined ? Number.POSITIVE_INFINITY : check('slowCallMs', options.slowCallMs, 'ms'),
        slowCallRatio: check('slowCallRatio', options.slowCallRatio ?? d.slowCallRatio, 'ratio'),
      }
    : undefined;
  const breakDurationMs = options.breakDurationMs ?? (windowed ? d.breakDurationMs : d.consecutiveBreakDurationMs);
  return {
    failureThreshold:
      windowed && options.failureThreshold === undefined ? undefined : (options.failureThreshold ?? d.failureThreshold),
    window,
    breakDurationMs: check('breakDurationMs', breakDurationMs, 'ms'),
    halfOpenTrials: check('halfOpenTrials', options.halfOpenTrials ?? d.halfOpenTrials, 'count'),
  };
}

const ACCEPTED = {
  ratio: 'a number above 0 and at most 1',
  count: 'a whole number of at least 1',
  ms: 'a number of milliseconds, 0 or more',
} as const;

function check(name: string, value: number, kind: keyof typeof ACCEPTED): number {
  const ok =
    typeof value === 'number' &&
    (kind === 'ratio'
      ? value > 0 && value <= 1
      : kind === 'count'
        ? Number.isInteger(value) && value >= 1
        : value >= 0);
  if (!ok) throw new ConfigError(`circuitBreaker.${name}`, value, 'is out of range', ACCEPTED[kind]);
  return value;
}
