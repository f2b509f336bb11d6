import type { Failure } from '../types/failure.js';
import { memoryStore, type StateStore } from './stateStore.js';

/** What a throttle gate keeps for one upstream. */
export interface ThrottleRecord {
  /** Until when (epoch ms on the client's clock) the upstream asked not to be called. */
  until: number;
}

/** The code of a failure for an attempt the throttle gate held back without sending it. */
export const THROTTLE_HOLD = 'THROTTLE_HOLD';

/**
 * Holds back calls to an upstream that answered with `Retry-After` (or a RateLimit reset)
 * until the time it asked for, so the next call does not rediscover the throttle by
 * sending. Keyed per upstream; behind a {@link StateStore} so the fleet can share it.
 */
export interface ThrottleGate {
  /** Records that `upstream` asked not to be called before `until`; a later time wins. */
  learn(upstream: string, until: number): void;
  /** Until when `upstream` is held back (0 when it is not). */
  holdUntil(upstream: string): number;
}

/**
 * A throttle gate over `store` (in memory by default).
 *
 * @example
 * ```ts
 * const gate = throttleGate();
 * gate.learn('payments', Date.now() + 5_000);
 * gate.holdUntil('payments'); // the time above
 * ```
 */
export function throttleGate(store: StateStore<ThrottleRecord> = memoryStore<ThrottleRecord>()): ThrottleGate {
  return {
    learn(upstream, until) {
      const record = store.get(upstream);
      if (record === undefined) store.set(upstream, { until });
      else if (until > record.until) {
        record.until = until;
        store.set(upstream, record);
      }
    },
    holdUntil: (upstream) => store.get(upstream)?.until ?? 0,
  };
}

/** The failure of an attempt held back by the gate: `throttled`, with the wait left, unsent. */
export function throttleHold(upstream: string, waitMs: number): Failure {
  return {
    kind: 'throttled',
    code: THROTTLE_HOLD,
    retryAfterMs: waitMs,
    message: `Held back: ${upstream} asked not to be called for another ${waitMs} ms`,
  };
}
