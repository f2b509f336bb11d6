/**
 * The longest delay faultline will ever compute or accept (the largest `setTimeout` takes,
 * about 24.8 days): longer asks are clamped or refused here, never silently turned into
 * Node's 1 ms overflow.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * `ms` clamped to the timer ceiling. Node turns a longer timer into a 1 ms one (with a
 * TimeoutOverflowWarning): a strategy asking for weeks would otherwise retry at once.
 */
export function withinTimerCeiling(ms: number): number {
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms;
}
