import type { Clock } from '../core/clock.js';

/** A {@link Clock} whose waits return at once and move its time on. */
export interface FakeClock extends Clock {
  /** Every wait asked for (backoff, Retry-After), in ms, in order. */
  readonly sleeps: number[];
  /** Moves time on without a wait (e.g. past a circuit breaker's `halfOpenAfterMs`). */
  advance(ms: number): void;
}

/**
 * A clock for tests: retries and backoff run instantly, and `sleeps` records how long each
 * wait would have been, so a test can check that a 429's Retry-After was honoured without
 * waiting for it. Pass it as a client's `clock`.
 *
 * @param start - the clock's time at first, in ms since the epoch
 * @default start 2026-11-22T00:00:00Z
 * @example
 * ```ts
 * const clock = fakeClock();
 * const client = createClient({ baseUrl: upstream.url, clock, resilience: [retry({ maxAttempts: 3 }), throttle()] });
 * await client.get('/v1/rates'); // 429 Retry-After: 2, then 200
 * assert.deepEqual(clock.sleeps, [2000]);
 * ```
 */
export function fakeClock(start = Date.parse('2026-11-22T00:00:00Z')): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}
