/**
 * Counts over a sliding window of buckets, one array of buckets per counted thing: what a
 * retry budget (first attempts, retries) and an adaptive throttle (requests, accepts) keep
 * per upstream. Buckets are aligned on the epoch, so every replica's line up in Redis.
 */
export type SlidingCounts<F extends string> = { readonly [K in F]: number[] } & {
  /** The bucket the window ends in (the clock's milliseconds / bucket length). */
  currentBucket: number;
  /**
   * The other replicas' counts over the same window, kept current by shared state in the
   * background; absent without it (or while Redis is unreachable).
   */
  fleet?: { readonly [K in F]: number } | undefined;
};

/** An empty window ending in `bucket`. */
export function emptyCounts<F extends string>(fields: readonly F[], buckets: number, bucket: number): SlidingCounts<F> {
  const record = { currentBucket: bucket } as Record<string, unknown>;
  for (const field of fields) record[field] = new Array<number>(buckets).fill(0);
  return record as SlidingCounts<F>;
}

/**
 * Moves the window forward to `bucket`, emptying the buckets that fell out of it, and
 * says the index of the bucket that counts now.
 */
export function slideCounts<F extends string>(
  record: SlidingCounts<F>,
  fields: readonly F[],
  buckets: number,
  bucket: number,
): number {
  const steps = Math.min(buckets, bucket - record.currentBucket);
  for (let i = 1; i <= steps; i++) {
    const index = (record.currentBucket + i) % buckets;
    for (const field of fields) record[field][index] = 0;
  }
  if (bucket > record.currentBucket) record.currentBucket = bucket;
  return record.currentBucket % buckets;
}

/** The sum of a window's buckets. */
export function sumOf(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
