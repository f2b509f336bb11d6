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
 * Holds back calls to an upstream's route that answered with `Retry-After` (or a
 * RateLimit reset) until the time it asked for, so the next call does not rediscover the
 * throttle by sending. Keyed per upstream and route (quotas are often per endpoint: one
 * endpoint's 429 must not stop the others); behind a {@link StateStore} so the fleet can
 * share it, under the key {@link throttleKey}.
 */
export interface ThrottleGate {
  /** Records that `upstream`'s `route` asked not to be called before `until`; a later time wins. */
  learn(upstream: string, route: string, until: number): void;
  /** Until when `upstream`'s `route` is held back (0 when it is not). */
  holdUntil(upstream: string, route: string): number;
}

/** The store key of one upstream's route: the upstream, a newline, the route. */
export function throttleKey(upstream: string, route: string): string {
  return `${upstream}\n${route}`;
}

/**
 * A throttle gate over `store` (in memory by default).
 *
 * @example
 * ```ts
 * const gate = throttleGate();
 * gate.learn('payments', '/v1/rates', Date.now() + 5_000);
 * gate.holdUntil('payments', '/v1/rates'); // the time above
 * ```
 */
export function throttleGate(store: StateStore<ThrottleRecord> = memoryStore<ThrottleRecord>()): ThrottleGate {
  return {
    learn(upstream, route, until) {
      const key = throttleKey(upstream, route);
      const record = store.get(key);
      if (record === undefined) store.set(key, { until });
      else if (until > record.until) {
        record.until = until;
        store.set(key, record);
      }
    },
    holdUntil: (upstream, route) => store.get(throttleKey(upstream, route))?.until ?? 0,
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
