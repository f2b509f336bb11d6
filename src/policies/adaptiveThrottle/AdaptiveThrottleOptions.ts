import { ConfigError } from '../../errors/ConfigError.js';
import { isFailureKind } from '../../core/failureKinds.js';
import { withoutUndefined } from '../../core/withoutUndefined.js';
import type { FailureKind } from '../../types/failure.js';

/** How {@link adaptiveThrottle} lets traffic back once the upstream heals (see `recovery`). */
export type AdaptiveThrottleRecovery = 'accepting' | 'book';

/** Options of {@link adaptiveThrottle}. */
export interface AdaptiveThrottleOptions {
  /**
   * The multiplier of accepts: requests are refused locally once they outnumber `k` times
   * the upstream's accepts over the window. 2 lets through about twice what the upstream
   * accepts; lower is more aggressive (1 at the least: below, a healthy upstream is throttled).
   * @default 2
   */
  readonly k?: number;
  /**
   * How far back requests and accepts are counted (in buckets of a tenth of it). With
   * `recovery: 'book'` it also sets how slowly an upstream that healed gets its traffic back
   * (about `windowMs × ln(requests in a window) / k`).
   * @default 120000
   */
  readonly windowMs?: number;
  /**
   * When local refusals count as requests. `'accepting'`: only while the calls actually
   * sent in the window are accepted less than `1/k` of the time — an upstream rejecting most
   * of them gets the book's bound, and one that healed gets all its traffic back as soon as
   * the window's sent calls are accepted at least `1/k` of the time (within the window).
   * `'book'`: always, as in the SRE book — the same bound, but the refusals the outage
   * caused keep refusing after it ends, and full traffic comes back only after several
   * windows.
   * @default 'accepting'
   */
  readonly recovery?: AdaptiveThrottleRecovery;
  /**
   * The failure kinds that count as the upstream rejecting a request for overload. Any
   * other answer (a success, a 4xx, an unparsable body) is an accept; failures that are no
   * answer (`network` unless listed, `cancelled`, refusals made here) count neither way.
   * A `throttled` failure counts only when the upstream sent it (a throttle's hold does not).
   * @default ['throttled', 'server', 'timeout']
   */
  readonly rejectOn?: readonly FailureKind[];
  /**
   * Count per upstream and route instead of per upstream (one route overloaded, others not).
   * @default false
   */
  readonly perRoute?: boolean;
  /** Random numbers in [0, 1); for tests. @default Math.random */
  readonly random?: () => number;
}

/** The defaults of {@link adaptiveThrottle}. */
export const defaultAdaptiveThrottleOptions = {
  k: 2,
  windowMs: 120_000,
  recovery: 'accepting',
  rejectOn: ['throttled', 'server', 'timeout'],
  perRoute: false,
  random: Math.random,
} as const satisfies Required<AdaptiveThrottleOptions>;

/** Kinds that are never the upstream's answer: refusals made in this process, the caller's abort. */
const NEVER_ANSWERS: ReadonlySet<FailureKind> = new Set(['circuit_open', 'load_shed', 'cancelled']);

/**
 * The options with their defaults, checked.
 *
 * @throws {ConfigError} naming `adaptiveThrottle.<option>` for a value out of range.
 */
export function resolveAdaptiveThrottleOptions(options: AdaptiveThrottleOptions): Required<AdaptiveThrottleOptions> {
  const o = { ...defaultAdaptiveThrottleOptions, ...definedOf(options) };
  if (typeof o.k !== 'number' || !Number.isFinite(o.k) || o.k < 1)
    throw new ConfigError('adaptiveThrottle.k', o.k, 'is out of range', 'a finite number, 1 or more');
  if (typeof o.windowMs !== 'number' || !Number.isFinite(o.windowMs) || o.windowMs <= 0)
    throw new ConfigError('adaptiveThrottle.windowMs', o.windowMs, 'is out of range', 'a finite number of ms above 0');
  if (o.recovery !== 'accepting' && o.recovery !== 'book')
    throw new ConfigError('adaptiveThrottle.recovery', o.recovery, 'is not a recovery', "'accepting' or 'book'");
  const kinds: unknown = o.rejectOn;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => isFailureKind(k) && !NEVER_ANSWERS.has(k)))
    throw new ConfigError(
      'adaptiveThrottle.rejectOn',
      kinds,
      'is not a list of failure kinds an upstream answers with',
      'a non-empty array of failure kinds, without circuit_open, load_shed or cancelled',
    );
  if (typeof o.perRoute !== 'boolean')
    throw new ConfigError('adaptiveThrottle.perRoute', o.perRoute, 'is not a boolean', 'true or false');
  if (typeof o.random !== 'function')
    throw new ConfigError('adaptiveThrottle.random', o.random, 'is not a function', 'a function returning [0, 1)');
  return o;
}

function definedOf(options: AdaptiveThrottleOptions): AdaptiveThrottleOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('adaptiveThrottle', options, 'is not an object of options', '{ k, windowMs, rejectOn, … }');
  return withoutUndefined(options);
}
