import type { ConcurrencySettings } from './AdaptiveConcurrencyOptions.js';

/** Samples one window keeps at most: at high rates a window's percentile needs no more. */
const MAX_SAMPLES = 1_000;
/** The min-RTT re-probe is jittered by up to this share of its interval, so replicas do not probe together. */
const PROBE_JITTER = 0.15;
/** Weight of the last window's peak in flight in the smoothed demand. */
const DEMAND_WEIGHT = 0.2;

/**
 * The limit controller: Envoy's gradient controller (adaptive concurrency filter), with
 * Gradient2's guard against growing while the traffic does not use the limit.
 *
 * - minRTT is measured in a probe: the limit drops to `minLimit`, the RTTs of
 *   `minRttSamples` attempts admitted during the probe are taken, and their percentile is
 *   minRTT; then the limit goes back to what it was. The first probe starts at once; the
 *   next every `minRttIntervalMs` (±15%).
 * - Between probes, every `sampleWindowMs`, sampleRTT is the percentile of the window's RTTs
 *   and `gradient = clamp(minRTT × (1 + rttTolerance) / sampleRTT, 0.5, 2)`; the new limit
 *   is `limit × gradient + √(limit × gradient)` (the square root is headroom for bursts and
 *   lets the limit find more capacity), within `minLimit`…`maxLimit`.
 * - A window whose peak in flight stayed under half the limit does not raise it
 *   (Gradient2's app-limited rule): idle traffic tells nothing about capacity.
 *
 * Time is whatever `now` the caller passes (the client's clock), so tests drive it.
 */
export class GradientLimit {
  /** Attempts admitted at once (a whole number). */
  limit: number;
  /** The limit before rounding: small steps add up. */
  private estimate: number;
  /** The measured minimum RTT, ms; NaN until the first probe ends. */
  minRttMs = Number.NaN;
  /** The last window's sampleRTT, ms; NaN until one was taken. */
  sampleRttMs = Number.NaN;
  /** Bumped at each probe: attempts admitted during a probe carry it, and only theirs count. */
  probe = 0;
  probing = false;
  private restoreTo: number;
  private nextProbeAt = Number.NEGATIVE_INFINITY;
  private windowStart = Number.NaN;
  private peakInFlight = 0;
  private readonly samples: number[] = [];
  /** The windows' peak in flight, smoothed: what the traffic uses. */
  private demand = Number.NaN;

  constructor(
    private readonly settings: ConcurrencySettings,
    private readonly random: () => number = Math.random,
  ) {
    this.limit = settings.initialLimit;
    this.estimate = settings.initialLimit;
    this.restoreTo = settings.initialLimit;
  }

  /** Before an admission: starts a probe when one is due; notes the peak in flight. */
  tick(now: number, inFlight: number): void {
    if (inFlight > this.peakInFlight) this.peakInFlight = inFlight;
    if (!this.probing && now >= this.nextProbeAt) this.startProbe(now);
  }

  /**
   * An admitted attempt's RTT (ms). `probe` is the probe number it was admitted in (0 or
   * an old one: not a probe's). Returns true when the limit changed.
   */
  sample(rttMs: number, now: number, probe: number, inFlight: number): boolean {
    if (inFlight > this.peakInFlight) this.peakInFlight = inFlight;
    if (this.probing) {
      if (probe !== this.probe) return false;
      if (this.samples.length < MAX_SAMPLES) this.samples.push(rttMs);
      if (this.samples.length >= this.settings.minRttSamples) this.endProbe(now);
      return !this.probing;
    }
    if (Number.isNaN(this.windowStart)) this.windowStart = now;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(rttMs);
    if (now - this.windowStart < this.settings.sampleWindowMs) return false;
    return this.update(now);
  }

  private update(now: number): boolean {
    const { settings } = this;
    const sampleRtt = percentile(this.samples, settings.percentile);
    this.samples.length = 0;
    this.windowStart = now;
    const peak = this.peakInFlight;
    this.peakInFlight = 0;
    this.sampleRttMs = sampleRtt;
    if (!(sampleRtt > 0) || Number.isNaN(this.minRttMs)) return false;
    const gradient = Math.max(0.5, Math.min(2, (this.minRttMs * (1 + settings.rttTolerance)) / sampleRtt));
    this.demand = Number.isNaN(this.demand) ? peak : this.demand * (1 - DEMAND_WEIGHT) + peak * DEMAND_WEIGHT;
    const scaled = this.estimate * gradient;
    let target = scaled + Math.sqrt(scaled);
    // Latency is fine: the limit goes no further than twice what the traffic uses (and
    // comes back to it), so it still means something when an overload starts.
    if (gradient >= 1) target = Math.min(target, 2 * this.demand);
    const smoothed = this.estimate + (target - this.estimate) * settings.smoothing;
    this.estimate = Math.max(settings.minLimit, Math.min(settings.maxLimit, smoothed));
    const next = Math.round(this.estimate);
    if (next === this.limit) return false;
    this.limit = next;
    return true;
  }

  private startProbe(now: number): void {
    this.probing = true;
    this.probe++;
    this.restoreTo = this.limit;
    this.limit = this.settings.minLimit;
    this.samples.length = 0;
    this.nextProbeAt = now;
  }

  private endProbe(now: number): void {
    const { settings } = this;
    this.minRttMs = percentile(this.samples, settings.percentile);
    this.samples.length = 0;
    this.probing = false;
    this.limit = this.restoreTo;
    this.estimate = this.restoreTo;
    this.windowStart = now;
    this.peakInFlight = 0;
    const jitter = 1 + (this.random() * 2 - 1) * PROBE_JITTER;
    this.nextProbeAt = now + settings.minRttIntervalMs * jitter;
  }
}

/** The `p` percentile (0…1) of the samples, nearest rank; sorts them in place. */
function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  samples.sort((a, b) => a - b);
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil(p * samples.length) - 1));
  return samples[rank]!;
}
