import { ConfigError } from '../errors/ConfigError.js';
import type { HedgeOptions, HedgePercentileDelay, HedgePolicy } from '../types/hedge.js';
import { noRetry } from './noRetry.js';
import { retryBudget } from './retryBudget.js';

/** Latencies kept per upstream: the last this many answers. */
export const HEDGE_SAMPLES = 128;
/** Answers needed before a percentile delay is trusted; until then `initialMs` is used. */
export const HEDGE_MIN_SAMPLES = 20;
/** The percentile is sorted again after this many new answers (a sort per answer would cost more than it tells). */
const RESORT_EVERY = 8;
const DEFAULT_INITIAL_MS = 1_000;

/** One upstream's recent latencies: a fixed ring, so recording allocates nothing. */
class LatencyRing {
  readonly samples = new Float64Array(HEDGE_SAMPLES);
  count = 0;
  next = 0;
  sinceSort = RESORT_EVERY;
  delayMs = 0;

  add(latencyMs: number): void {
    this.samples[this.next] = latencyMs;
    this.next = (this.next + 1) % HEDGE_SAMPLES;
    if (this.count < HEDGE_SAMPLES) this.count++;
    this.sinceSort++;
  }
}

/**
 * A hedging policy: when an idempotent attempt has not answered (response headers) after
 * `delayMs`, another attempt is sent in parallel; the first good answer wins and the others
 * are aborted. Hedges draw from the retry budget (the strategy's `retryBudget`, else one of
 * the policy's own), so hedging cannot double the traffic into a struggling upstream; a
 * throttled upstream (Retry-After) or an open circuit is never hedged. Off unless passed as
 * a client's or a call's `hedge` option.
 *
 * `delayMs` is a fixed delay, or `{ percentile, min, max, initialMs }`: the percentile of
 * the upstream's last {@link HEDGE_SAMPLES} answers (time from the first attempt to the
 * winning answer's headers, so a hedged call counts as slow), clamped to `[min, max]`;
 * `initialMs` (default 1000, clamped too) until {@link HEDGE_MIN_SAMPLES} answers are in.
 *
 * @throws {ConfigError} for a negative delay, a percentile outside (0, 100), or a
 * `maxHedges` that is not a whole number from 0.
 * @example
 * ```ts
 * const catalog = createClient({
 *   baseUrl: 'https://catalog.internal',
 *   retry: retryBudget(exponentialBackoff(), { ratio: 0.1 }),
 *   hedge: hedge({ delayMs: { percentile: 95, min: 5, max: 250 } }),
 * });
 * ```
 */
export function hedge(options: HedgeOptions): HedgePolicy {
  const maxHedges = options.maxHedges ?? 1;
  if (!Number.isInteger(maxHedges) || maxHedges < 0)
    throw new ConfigError('hedge.maxHedges', maxHedges, 'is not a whole number', 'a whole number of hedges, 0 or more');
  const budget = retryBudget(noRetry(), options.budget ?? {});
  const { delayMs } = options;
  if (typeof delayMs === 'number') {
    checkMs('hedge.delayMs', delayMs);
    return builtIn({ maxHedges, budget, delayFor: () => delayMs, record: () => undefined });
  }
  const rule = checkPercentile(delayMs);
  const rings = new Map<string, LatencyRing>();
  const clamp = (ms: number): number => Math.min(rule.max, Math.max(rule.min, ms));
  const initial = clamp(rule.initialMs);
  return builtIn({
    maxHedges,
    budget,
    delayFor(upstream) {
      const ring = rings.get(upstream);
      if (ring === undefined || ring.count < HEDGE_MIN_SAMPLES) return initial;
      if (ring.sinceSort >= RESORT_EVERY) {
        ring.delayMs = clamp(percentileOf(ring, rule.percentile));
        ring.sinceSort = 0;
      }
      return ring.delayMs;
    },
    record(upstream, latencyMs) {
      let ring = rings.get(upstream);
      if (ring === undefined) rings.set(upstream, (ring = new LatencyRing()));
      ring.add(latencyMs);
    },
  });
}

const builtInPolicies = new WeakSet<HedgePolicy>();

function builtIn(policy: HedgePolicy): HedgePolicy {
  builtInPolicies.add(policy);
  return policy;
}

/** True for a policy `hedge()` made: it cannot throw, so the pipeline uses it unguarded. */
export function isBuiltInHedge(policy: HedgePolicy): boolean {
  return builtInPolicies.has(policy);
}

/** Scratch space for sorting a ring (one per process: sorts never interleave). */
const scratch = new Float64Array(HEDGE_SAMPLES);

/** The nearest-rank percentile of the ring's samples. */
export function percentileOf(
  ring: { readonly samples: Float64Array; readonly count: number },
  percentile: number,
): number {
  scratch.set(ring.samples);
  // Unfilled slots sort last, out of the way of the ranks that are read.
  scratch.fill(Number.POSITIVE_INFINITY, ring.count);
  scratch.sort();
  // Multiplied before dividing: (p / 100) * n rounds up to a rank too far (0.56 * 25 = 14.000000000000002).
  const rank = Math.max(1, Math.ceil((percentile * ring.count) / 100));
  return scratch[rank - 1] ?? 0;
}

function checkPercentile(rule: HedgePercentileDelay): Required<HedgePercentileDelay> {
  const { percentile } = rule;
  if (typeof percentile !== 'number' || !(percentile > 0 && percentile < 100))
    throw new ConfigError('hedge.delayMs.percentile', percentile, 'is out of range', 'a number above 0 and below 100');
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.POSITIVE_INFINITY;
  checkMs('hedge.delayMs.min', min);
  checkMs('hedge.delayMs.max', max);
  if (max < min) throw new ConfigError('hedge.delayMs.max', max, 'is below min', `a number of ms, ${min} or more`);
  const initialMs = rule.initialMs ?? DEFAULT_INITIAL_MS;
  checkMs('hedge.delayMs.initialMs', initialMs);
  return { percentile, min, max, initialMs };
}

function checkMs(option: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    throw new ConfigError(option, value, 'is not a non-negative number', 'a number of milliseconds, 0 or more');
}
