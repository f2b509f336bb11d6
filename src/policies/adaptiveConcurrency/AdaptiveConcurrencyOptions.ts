import { ConfigError } from '../../errors/ConfigError.js';
import { MAX_TIMER_MS } from '../../core/timerCeiling.js';

/**
 * Options of {@link adaptiveConcurrency}. The limit follows Envoy's gradient controller:
 * see the README's "Adaptive concurrency" for the rule and the measured figures.
 */
export interface AdaptiveConcurrencyOptions {
  /**
   * The limit before the first window has been measured (the first min-RTT probe runs at `minLimit`).
   * @default 20
   */
  readonly initialLimit?: number;
  /**
   * The lowest limit, and the limit during a min-RTT probe (Envoy's `min_concurrency`).
   * @default 3
   */
  readonly minLimit?: number;
  /**
   * The highest limit (Envoy's `max_concurrency_limit`).
   * @default 1000
   */
  readonly maxLimit?: number;
  /**
   * A limit per route (`faultline.route`) instead of one per upstream.
   * @default false
   */
  readonly perRoute?: boolean;
  /**
   * How often the limit is recomputed from the window's RTTs (Envoy's `concurrency_update_interval`).
   * @default 100
   */
  readonly sampleWindowMs?: number;
  /**
   * The percentile of a window's RTTs taken as sampleRTT, and of a probe's as minRTT, 0 to 1.
   * @default 0.5
   */
  readonly percentile?: number;
  /**
   * How much above minRTT the sampleRTT may be before the limit shrinks, as a share of
   * minRTT (Envoy's `min_rtt_calc_params.buffer`).
   * @default 0.25
   */
  readonly rttTolerance?: number;
  /**
   * How far the limit moves toward each window's new value, 0 to 1 (Gradient2's
   * `smoothing`): 1 takes the new value at once, as Envoy does; lower damps the swings
   * that an RTT longer than the window causes.
   * @default 0.2
   */
  readonly smoothing?: number;
  /**
   * How often minRTT is measured again (±15%), in a probe that lowers the limit to `minLimit`.
   * @default 60000
   */
  readonly minRttIntervalMs?: number;
  /**
   * RTTs a probe takes before it computes minRTT (Envoy's `request_count`).
   * @default 50
   */
  readonly minRttSamples?: number;
  /** Calls beyond the limit wait here, first in first out. */
  readonly queue?: {
    /**
     * Calls that may wait; one more is refused at once (`CONCURRENCY_LIMIT`). 0: no queue.
     * @default 50
     */
    readonly size?: number;
    /**
     * The longest a call waits before it is refused (`QUEUE_TIMEOUT`); a call the queue
     * could not admit within this (or within what is left of its total timeout) is refused
     * at once (`QUEUE_DEADLINE`).
     * @default 1000
     */
    readonly maxWaitMs?: number;
  };
}

/** The settled options. */
export interface ConcurrencySettings {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly perRoute: boolean;
  readonly sampleWindowMs: number;
  readonly percentile: number;
  readonly rttTolerance: number;
  readonly smoothing: number;
  readonly minRttIntervalMs: number;
  readonly minRttSamples: number;
  readonly queueSize: number;
  readonly maxWaitMs: number;
}

export const defaultAdaptiveConcurrencyOptions = Object.freeze({
  initialLimit: 20,
  minLimit: 3,
  maxLimit: 1000,
  perRoute: false,
  sampleWindowMs: 100,
  percentile: 0.5,
  rttTolerance: 0.25,
  smoothing: 0.2,
  minRttIntervalMs: 60_000,
  minRttSamples: 50,
  queue: Object.freeze({ size: 50, maxWaitMs: 1000 }),
});

const ACCEPTED = {
  count: 'a whole number of at least 1',
  size: 'a whole number, 0 or more',
  ms: `a number of milliseconds above 0, at most ${MAX_TIMER_MS}`,
  share: 'a number from 0 to 1',
  percentile: 'a number above 0 and at most 1',
} as const;

/**
 * The options checked and completed with the defaults.
 *
 * @throws {ConfigError} naming `adaptiveConcurrency.<option>` for a value out of range, or
 * limits out of order (`minLimit` ≤ `initialLimit` ≤ `maxLimit`).
 */
export function settleConcurrency(options: AdaptiveConcurrencyOptions): ConcurrencySettings {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('adaptiveConcurrency', shownSetting(options), 'is not an object', 'an options object');
  const d = defaultAdaptiveConcurrencyOptions;
  const queue = options.queue ?? {};
  if (typeof queue !== 'object' || queue === null)
    throw new ConfigError(
      'adaptiveConcurrency.queue',
      shownSetting(queue),
      'is not an object',
      '{ size?, maxWaitMs? }',
    );
  const perRoute = options.perRoute ?? d.perRoute;
  if (typeof perRoute !== 'boolean')
    throw new ConfigError('adaptiveConcurrency.perRoute', shownSetting(perRoute), 'is not a boolean', 'true or false');
  const settings: ConcurrencySettings = {
    initialLimit: checkSetting('initialLimit', options.initialLimit ?? d.initialLimit, 'count'),
    minLimit: checkSetting('minLimit', options.minLimit ?? d.minLimit, 'count'),
    maxLimit: checkSetting('maxLimit', options.maxLimit ?? d.maxLimit, 'count'),
    perRoute,
    sampleWindowMs: checkSetting('sampleWindowMs', options.sampleWindowMs ?? d.sampleWindowMs, 'ms'),
    percentile: checkSetting('percentile', options.percentile ?? d.percentile, 'percentile'),
    rttTolerance: checkSetting('rttTolerance', options.rttTolerance ?? d.rttTolerance, 'share'),
    smoothing: checkSetting('smoothing', options.smoothing ?? d.smoothing, 'percentile'),
    minRttIntervalMs: checkSetting('minRttIntervalMs', options.minRttIntervalMs ?? d.minRttIntervalMs, 'ms'),
    minRttSamples: checkSetting('minRttSamples', options.minRttSamples ?? d.minRttSamples, 'count'),
    queueSize: checkSetting('queue.size', queue.size ?? d.queue.size, 'size'),
    maxWaitMs: checkSetting('queue.maxWaitMs', queue.maxWaitMs ?? d.queue.maxWaitMs, 'ms'),
  };
  if (settings.minLimit > settings.maxLimit)
    throw new ConfigError(
      'adaptiveConcurrency.minLimit',
      settings.minLimit,
      'is above maxLimit',
      `at most ${settings.maxLimit}`,
    );
  if (settings.initialLimit < settings.minLimit || settings.initialLimit > settings.maxLimit)
    throw new ConfigError(
      'adaptiveConcurrency.initialLimit',
      settings.initialLimit,
      'is outside minLimit…maxLimit',
      `from ${settings.minLimit} to ${settings.maxLimit}`,
    );
  return settings;
}

function checkSetting(name: string, value: unknown, kind: keyof typeof ACCEPTED): number {
  const n = value as number;
  const ok =
    typeof value === 'number' &&
    (kind === 'count'
      ? Number.isSafeInteger(n) && n >= 1
      : kind === 'size'
        ? Number.isSafeInteger(n) && n >= 0
        : kind === 'ms'
          ? n > 0 && n <= MAX_TIMER_MS
          : kind === 'share'
            ? n >= 0 && n <= 1
            : n > 0 && n <= 1);
  if (!ok) throw new ConfigError(`adaptiveConcurrency.${name}`, shownSetting(value), 'is out of range', ACCEPTED[kind]);
  return n;
}

/** The value as an error shows it: a number or boolean as it is, anything else by its type. */
function shownSetting(value: unknown): unknown {
  if (value === null) return null;
  return typeof value === 'number' || typeof value === 'boolean' ? value : typeof value;
}
