import type { LimiterInfo, Policy } from '../../types/policy.js';
import { type AdaptiveConcurrencyOptions, settleConcurrency } from './AdaptiveConcurrencyOptions.js';
import { ConcurrencyLimiter } from './concurrencyLimiter.js';

/** Limiters one policy keeps before it stops making new ones (routes are templates, but a bad one is not). */
const MAX_LIMITERS = 10_000;

/** An adaptive concurrency policy, whose limiters can be read. */
export interface AdaptiveConcurrencyPolicy extends Policy {
  /** Every limiter this policy has made: its limit and attempts in flight, read live. */
  limiters(): IterableIterator<LimiterInfo>;
}

/**
 * Caps the attempts in flight to an upstream (with `perRoute`, to each route) at a limit
 * learned from latency, after Envoy's adaptive concurrency filter (gradient controller):
 * minRTT is measured in a periodic probe at a reduced limit, sampleRTT is a percentile of
 * each short window, and `limit = limit × gradient + √(limit × gradient)` with
 * `gradient = minRTT × (1 + rttTolerance) / sampleRTT` clamped to 0.5…2, within
 * `minLimit`…`maxLimit`. Envoy's rule rather than Gradient2's because the explicit probe
 * re-measures the true minimum even when the client keeps the upstream busy (Gradient2's
 * long-term average drifts up under sustained load); from Gradient2 it keeps the rule that
 * a window whose traffic used less than half the limit does not raise it.
 *
 * Calls beyond the limit wait in a bounded FIFO queue (`queue.size`), where a call that
 * could not be admitted within `queue.maxWaitMs` or its remaining total timeout is refused
 * at once; a caller's abort takes it out. A refusal fails the attempt unsent as
 * `load_shed` (`LoadShedError`), code `CONCURRENCY_LIMIT`, `QUEUE_TIMEOUT` or
 * `QUEUE_DEADLINE`: warned and counted (`faultline.failures`), never reported to Sentry
 * per call, answered by a `fallback`. Hedges never queue. Put it inside `retry` (a retry
 * waits its backoff outside the queue) and outside `hedge`.
 *
 * @example
 * ```ts
 * createClient({
 *   baseUrl,
 *   resilience: [retry(), adaptiveConcurrency({ maxLimit: 200, queue: { size: 100, maxWaitMs: 250 } })],
 * });
 * ```
 */
export function adaptiveConcurrency(options: AdaptiveConcurrencyOptions = {}): AdaptiveConcurrencyPolicy {
  const settings = settleConcurrency(options);
  const shared = new Map<string, ConcurrencyLimiter>();
  return {
    name: 'adaptiveConcurrency',
    build({ clock, limiterState }) {
      // This client's view of the shared limiters: the gauge hears each one once per client.
      const mine = new Map<string, ConcurrencyLimiter>();
      const limiterOf = (upstream: string, route: string): ConcurrencyLimiter | undefined => {
        const key = settings.perRoute ? `${upstream}\n${route}` : upstream;
        const known = mine.get(key);
        if (known !== undefined) return known;
        let limiter = shared.get(key);
        if (limiter === undefined) {
          if (shared.size >= MAX_LIMITERS) return undefined;
          limiter = new ConcurrencyLimiter(key, upstream, settings.perRoute ? route : undefined, settings, clock);
          shared.set(key, limiter);
        }
        mine.set(key, limiter);
        limiterState?.(limiter);
        return limiter;
      };
      return {
        acquire(request) {
          return limiterOf(request.upstream, request.route)?.acquire(request) ?? NO_LIMIT;
        },
      };
    },
    limiters: () => shared.values(),
    describe: () =>
      `adaptiveConcurrency(limit=${settings.minLimit}..${settings.maxLimit}, initial=${settings.initialLimit}, ` +
      `queue=${settings.queueSize}, maxWaitMs=${settings.maxWaitMs}${settings.perRoute ? ', perRoute' : ''})`,
  };
}

/** Beyond the limiters' bound an attempt goes unlimited: a place that holds nothing. */
const NO_LIMIT = Object.freeze({ release: (): void => undefined });
