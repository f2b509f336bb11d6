/**
 * The longest delay faultline will ever compute or accept (the largest `setTimeout` takes,
 * about 24.8 days): longer asks are clamped or refused here, never silently turned into
 * Node's 1 ms overflow.
 */
export const MAX_TIMER_MS = 2_147_483_647;
