import { formatBudget } from '../core/budgetHeader.js';
import { MAX_TIMER_MS } from '../core/timerCeiling.js';
import { type CallerDeadline, currentCallerDeadline } from '../core/callerDeadline.js';
import type { DeadlineSource } from '../types/observers.js';

/** A call's total budget once the incoming request's deadline is taken into account. */
export interface CallerBudget {
  readonly timeoutMs: number;
  /** Set only inside a request with a deadline. */
  readonly source?: DeadlineSource;
  readonly signal: AbortSignal | null | undefined;
}

/**
 * `min(own timeout, what the caller has left)`: a call made while handling a request must
 * not outlive it. Outside such a request the call's own timeout and signal stand, and the
 * call costs one AsyncLocalStorage read.
 */
export function callerBudget(
  ownTimeoutMs: number,
  ownSignal: AbortSignal | null | undefined,
  headers: Record<string, string>,
  caller: CallerDeadline | undefined = currentCallerDeadline(),
): CallerBudget {
  if (caller === undefined) return { timeoutMs: ownTimeoutMs, signal: ownSignal };
  let timeoutMs = ownTimeoutMs;
  let source: DeadlineSource | undefined;
  if (caller.expiresAt !== Number.POSITIVE_INFINITY) {
    // A budget already spent still gets 1 ms: the call fails as a total timeout, told by
    // every signal, instead of never being seen. An absurd one must not overflow the timer.
    const remaining = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(caller.expiresAt - performance.now())));
    source = ownTimeoutMs > 0 && ownTimeoutMs <= remaining ? 'own' : 'caller';
    if (source === 'caller') timeoutMs = remaining;
    const header = caller.propagateHeader;
    if (header !== undefined && headers[header] === undefined) headers[header] = formatBudget(header, timeoutMs);
  }
  let signal = ownSignal;
  if (caller.signal !== undefined)
    signal =
      ownSignal === null || ownSignal === undefined ? caller.signal : AbortSignal.any([ownSignal, caller.signal]);
  return source === undefined ? { timeoutMs, signal } : { timeoutMs, source, signal };
}
