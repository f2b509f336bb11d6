import type { RetryDecision, RetryVerdict } from '../types/strategies.js';

const EXPECTED = 'a delay in ms (a number, 0 or more), null to stop, or { delayMs, reason, delaySource? }';

/**
 * Turns what a strategy returned into a verdict: a number is a backoff delay, `null` (or
 * nothing) a stop. Anything else is outside the contract and throws, so that the guard
 * around the strategy treats it as the strategy's failure — reported, and the call stops
 * with `strategy_error` — however deep in a chain of strategies it came from.
 *
 * @throws {TypeError} for an answer outside the contract (a negative, NaN or infinite
 * delay, a string, a verdict without a string `reason`).
 */
export function normalizeDecision(decision: RetryDecision | undefined): RetryVerdict {
  if (typeof decision === 'number') {
    if (Number.isFinite(decision) && decision >= 0)
      return { delayMs: decision, reason: 'strategy', delaySource: 'backoff' };
    throw breach(String(decision));
  }
  if (decision === null || decision === undefined) return { delayMs: null, reason: 'strategy' };
  if (typeof decision !== 'object')
    throw breach(typeof decision === 'string' ? JSON.stringify(decision) : typeof decision);
  const { delayMs, reason, delaySource } = decision;
  if (typeof reason !== 'string' || reason === '') throw breach('a verdict without a reason');
  if (delaySource !== undefined && delaySource !== 'server' && delaySource !== 'backoff')
    throw breach('a verdict whose delaySource is neither server nor backoff');
  if (delayMs === null) return decision;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
    throw breach(`a verdict with delayMs ${typeof delayMs === 'number' ? delayMs : typeof delayMs}`);
  return decision;
}

function breach(what: string): TypeError {
  return new TypeError(`returned ${what}; expected ${EXPECTED}`);
}
