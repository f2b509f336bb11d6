import { ConfigError } from '../../errors/ConfigError.js';
import type { HedgePlan, Policy, PolicyHooks } from '../../types/policy.js';
import { retryBudget } from '../retryBudget/retryBudget.js';
import type { HedgeOptions, HedgePercentileDelay } from './HedgeOptions.js';

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
 * Hedging (as Polly v8 and Envoy do it): when a replayable attempt has not answered
 * (response headers) after `delayMs`, another is sent in parallel, up to `maxHedges`; the
 * first good answer wins and the others are aborted. `delayMs` is a number, or a
 * percentile of the upstream's recent latencies. Every hedge must be let through by the
 * other policies (a circuit that is not closed, a throttle and a spent `retryBudget` refuse
 * it); without a `retryBudget` in the list, hedges draw from a budget of their own
 * (`budget`). A call that is not replayable is never hedged.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, resilience: [retry(), hedge({ delayMs: { percentile: 95, min: 10, max: 500 } })] });
 * ```
 */
export function hedge(options: HedgeOptions): Policy {
  const maxHedges = options.maxHedges ?? 1;
  if (!Number.isInteger(maxHedges) || maxHedges < 0)
    throw new ConfigError('hedge.maxHedges', maxHedges, 'is not a whole number', 'a whole number of hedges, 0 or more');
  const ownBudget = retryBudget(options.budget ?? {});
  const delay = delayRule(options.delayMs);
  return {
    name: 'hedge',
    build(context) {
      const { upstream } = context;
      const plan: HedgePlan = {
        get delayMs() {
          return delay.delayFor(upstream);
        },
        maxHedges,
        answered: (latencyMs) => delay.record(upstream, latencyMs),
      };
      const hooks: PolicyHooks = { hedge: () => (maxHedges < 1 ? undefined : plan) };
      // With a retryBudget in the list, it prices hedges; else this policy's own budget does.
      const priced = ownBudget.build(context).beforeAttempt;
      if (!context.policies.includes('retryBudget') && priced !== undefined) hooks.beforeAttempt = priced;
      return hooks;
    },
    describe: () =>
      `hedge(delayMs=${typeof options.delayMs === 'number' ? options.delayMs : `p${options.delayMs.percentile}`}, maxHedges=${maxHedges})`,
  };
}

interface DelayRule {
  delayFor(upstream: string): number;
  record(upstream: string, latencyMs: number): void;
}

function delayRule(delayMs: HedgeOptions['delayMs']): DelayRule {
  if (typeof delayMs === 'number') {
    checkMs('hedge.delayMs', delayMs);
    return { delayFor: () => delayMs, record: () => undefined };
  }
  const rule = checkPercentile(delayMs);
  const rings = new Map<string, LatencyRing>();
  const clamp = (ms: number): number => Math.min(rule.max, Math.max(rule.min, ms));
  const initial = clamp(rule.initialMs);
  return {
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
  };
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
