import { type Clock, systemClock } from './clock.js';
import type { Diagnostics } from './diagnostics.js';
import { withinTimerCeiling } from './timerCeiling.js';
import { callHook, checkedAnswer } from './callHook.js';
import { PROMISE, TIME } from './hookContracts.js';

/**
 * The clock a client waits with. Every wait — a strategy's verdict, a Retry-After, a
 * throttle hold, a hedge delay — passes through its `sleep`, so this is the one place a
 * delay is clamped to the timer ceiling, whatever clock (a test's fake one included) the
 * app gave. An app's clock is user code, guarded like the rest: a `now()` that throws or
 * answers no finite time is reported and the system's time used; a `sleep()` that throws
 * or answers no promise is reported and the system's wait used (never no wait at all: that
 * would be a retry storm).
 */
export function guardClock(clock: Clock, diagnostics: Diagnostics): Clock {
  if (clock === systemClock) return clock;
  return {
    now() {
      const now = callHook(diagnostics, 'clock (now)', clock, clock.now, undefined, TIME, undefined);
      return now ?? Date.now();
    },
    sleep(ms, signal) {
      const bounded = withinTimerCeiling(ms);
      let waited: unknown;
      try {
        waited = clock.sleep(bounded, signal);
      } catch (error) {
        diagnostics.report('clock (sleep)', error);
        return systemClock.sleep(bounded, signal);
      }
      const promise = checkedAnswer<Promise<void> | undefined>(
        diagnostics,
        'clock (sleep)',
        waited,
        PROMISE,
        undefined,
      );
      return promise === undefined ? systemClock.sleep(bounded, signal) : Promise.resolve(promise);
    },
  };
}
