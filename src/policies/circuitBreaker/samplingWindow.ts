/** Buckets a sampling window is cut into (Polly's rolling health metrics use 10 as well). */
const BUCKETS = 10;
/** Fields per bucket in the one flat array: its number, then calls, failures, slow calls. */
const FIELDS = 4;

/**
 * Calls, failures and slow calls over a sliding window of `windowMs`, kept in a fixed ring
 * of 10 buckets: constant memory per circuit and no allocation per call. The window slides
 * a bucket at a time, so it covers between 9/10 and all of `windowMs` of the most recent
 * calls (as Polly's rolling window does).
 */
export class SamplingWindow {
  /** The calls counted in the window. */
  calls = 0;
  /** The calls among them that failed. */
  failures = 0;
  /** The calls among them slower than the slow-call threshold (failed or not). */
  slow = 0;
  private readonly bucketMs: number;
  /** Per bucket: [bucket number, calls, failures, slow]; a bucket number of -1 is empty. */
  private readonly ring = new Float64Array(BUCKETS * FIELDS);
  private current = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.bucketMs = Math.max(1, windowMs / BUCKETS);
    this.reset();
  }

  /** Counts one call that ended at `now`. */
  record(now: number, failed: boolean, slow: boolean): void {
    const at = this.advance(now) * FIELDS;
    const { ring } = this;
    ring[at + 1] = (ring[at + 1] ?? 0) + 1;
    this.calls++;
    if (failed) {
      ring[at + 2] = (ring[at + 2] ?? 0) + 1;
      this.failures++;
    }
    if (slow) {
      ring[at + 3] = (ring[at + 3] ?? 0) + 1;
      this.slow++;
    }
  }

  /** Lets the buckets older than the window fall out as of `now`; the counts are then current. */
  slide(now: number): this {
    this.advance(now);
    return this;
  }

  /** Forgets every call (a circuit that changes state starts counting afresh). */
  reset(): void {
    this.ring.fill(0);
    for (let i = 0; i < BUCKETS; i++) this.ring[i * FIELDS] = -1;
    this.calls = this.failures = this.slow = 0;
    this.current = Number.NEGATIVE_INFINITY;
  }

  /** The ring slot of `now`'s bucket, after emptying the slots that fell out of the window. */
  private advance(now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    // A step back of more than the window: its counts would stay until the clock caught up.
    if (bucket < this.current - BUCKETS) this.reset();
    // A clock that steps back less counts into the newest bucket rather than rewriting history.
    if (bucket > this.current) {
      const { ring } = this;
      for (let slot = 0; slot < BUCKETS; slot++) {
        const at = slot * FIELDS;
        const number = ring[at] ?? -1;
        if (number < 0 || number > bucket - BUCKETS) continue;
        this.calls -= ring[at + 1] ?? 0;
        this.failures -= ring[at + 2] ?? 0;
        this.slow -= ring[at + 3] ?? 0;
        ring.fill(0, at, at + FIELDS);
        ring[at] = -1;
      }
      this.current = bucket;
      const at = (((bucket % BUCKETS) + BUCKETS) % BUCKETS) * FIELDS;
      if (ring[at] !== bucket) {
        ring.fill(0, at, at + FIELDS);
        ring[at] = bucket;
      }
    }
    return ((this.current % BUCKETS) + BUCKETS) % BUCKETS;
  }
}
