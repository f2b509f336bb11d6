import type { Policy, StoreRequest } from '../../types/policy.js';
import { memoryStore } from '../stateStore.js';
import { type ThrottleRecord, throttleHold, throttleKey } from './throttleHold.js';

/** The fleet's throttle store is one for every client. */
const THROTTLE_REQUEST: StoreRequest = { kind: 'throttle', settings: {} };

/**
 * Honours a Retry-After (or RateLimit-Reset) the upstream sent: later attempts to that
 * upstream's route are held back unsent, failing as `throttled` with code `THROTTLE_HOLD`
 * and the time left in `retryAfterMs` (a `retry` outside waits it out when the deadline
 * allows), so the next call does not rediscover the throttle by sending. Keyed per upstream
 * and route (quotas are often per endpoint); shared by the fleet with shared state. Part
 * of the default list; a call that has itself waited out the time is let through.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, resilience: [retry(), throttle()] });
 * ```
 */
export function throttle(): Policy {
  const own = memoryStore<ThrottleRecord>();
  return {
    name: 'throttle',
    build({ upstream, clock, fleetStore }) {
      const store = fleetStore?.<ThrottleRecord>(THROTTLE_REQUEST) ?? own;
      // Asking once makes a shared store watch this upstream's routes before the first call.
      store.get(throttleKey(upstream, ''));
      return {
        beforeAttempt(attempt) {
          const until = store.get(throttleKey(attempt.upstream, attempt.route))?.until ?? 0;
          if (until <= attempt.waitedUntil) return undefined;
          const waitMs = until - clock.now();
          return waitMs > 0 ? throttleHold(attempt.upstream, waitMs) : undefined;
        },
        afterFailure(failed, verdict) {
          const { failure } = failed;
          // Only what a server answered is learned; a hold is this policy's own echo.
          if (failure.retryAfterMs === undefined || failure.status === undefined) return verdict;
          const key = throttleKey(failed.upstream, failed.route);
          const until = clock.now() + failure.retryAfterMs;
          const record = store.get(key);
          if (record === undefined) store.set(key, { until });
          else if (until > record.until) {
            record.until = until;
            store.set(key, record);
          }
          return verdict;
        },
      };
    },
    describe: () => 'throttle()',
  };
}
