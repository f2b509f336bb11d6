import type { Failure } from '../../types/failure.js';

/** What the throttle keeps for one upstream's route. */
export interface ThrottleRecord {
  /** Until when (epoch ms on the client's clock) the route asked not to be called. */
  until: number;
}

/** The code of a failure for an attempt the throttle held back without sending it. */
export const THROTTLE_HOLD = 'THROTTLE_HOLD';

/** The store key of one upstream's route: the upstream, a newline, the route. */
export function throttleKey(upstream: string, route: string): string {
  return `${upstream}\n${route}`;
}

/** The failure of an attempt held back: `throttled`, unsent, with how long is left. */
export function throttleHold(upstream: string, waitMs: number): Failure {
  return {
    kind: 'throttled',
    code: THROTTLE_HOLD,
    retryAfterMs: waitMs,
    message: `Held back: ${upstream} asked not to be called for another ${waitMs} ms`,
  };
}
