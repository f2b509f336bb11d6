import { withinTimerCeiling } from './timerCeiling.js';

/** The clock the pipeline waits with; inject one in tests instead of sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now()` and `setTimeout`, with waits that end when the signal
 * aborts. A wait longer than the timer ceiling waits the ceiling (about 24.8 days).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, withinTimerCeiling(ms));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};
