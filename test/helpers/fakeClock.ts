import type { Clock } from '../../src/index.js';

/** A clock whose waits return at once and advance its time: backoff without sleeping. */
export interface FakeClock extends Clock {
  /** Every wait asked for, in order. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

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
