import { FAILURE_OR_NOTHING, type Contract } from '../core/hookContracts.js';
import type { Verdict } from '../types/policy.js';

export { FAILURE_OR_NOTHING };

const VERDICT_EXPECTED =
  '{ delayMs: a number of ms, 0 or more, or null to stop; reason: a non-empty string; delaySource?: "server" | "backoff" }';

/**
 * The verdict a policy's `afterFailure` returned, or the TypeError that says how it broke
 * the contract (the guard reports it as the policy's failure and stops the call).
 */
export function checkedVerdict(value: unknown): Verdict | TypeError {
  if (typeof value !== 'object' || value === null) return breach(value === null ? 'null' : typeof value);
  const { delayMs, reason, delaySource } = value as Record<string, unknown>;
  if (typeof reason !== 'string' || reason === '') return breach('a verdict without a reason');
  if (delaySource !== undefined && delaySource !== 'server' && delaySource !== 'backoff')
    return breach('a verdict whose delaySource is neither server nor backoff');
  if (delayMs === null) return value as Verdict;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
    return breach(`a verdict with delayMs ${typeof delayMs === 'number' ? delayMs : typeof delayMs}`);
  return value as Verdict;
}

function breach(what: string): TypeError {
  return new TypeError(`returned ${what}; expected ${VERDICT_EXPECTED}`);
}

export const HEDGE_PLAN_OR_NOTHING: Contract = {
  expected: '{ delayMs: ms, 0 or more; maxHedges: a whole number; answered?: function }, or nothing',
  accepts: (value) => {
    if (value === undefined || value === null) return true;
    if (typeof value !== 'object') return false;
    const { delayMs, maxHedges, answered } = value as Record<string, unknown>;
    return (
      typeof delayMs === 'number' &&
      delayMs >= 0 &&
      Number.isSafeInteger(maxHedges) &&
      (maxHedges as number) >= 0 &&
      (answered === undefined || typeof answered === 'function')
    );
  },
};

export const ANSWER_OR_NOTHING: Contract = {
  expected: '{ value } (the answer), or nothing to let the call fail',
  accepts: (value) => value === undefined || (typeof value === 'object' && value !== null && 'value' in value),
};
