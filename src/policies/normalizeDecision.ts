import type { RetryDecision, RetryVerdict } from '../types/strategies.js';

/** Turns whatever a strategy returned into a verdict; nonsense reads as "stop". */
export function normalizeDecision(decision: RetryDecision | undefined): RetryVerdict {
  if (typeof decision === 'number') {
    return Number.isFinite(decision) && decision >= 0
      ? { delayMs: decision, reason: 'strategy', delaySource: 'backoff' }
      : { delayMs: null, reason: 'invalid_delay' };
  }
  if (decision === null || decision === undefined || typeof decision !== 'object') {
    return { delayMs: null, reason: 'strategy' };
  }
  const { delayMs } = decision;
  if (delayMs === null) return decision;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    return { delayMs: null, reason: 'invalid_delay' };
  }
  return decision;
}
