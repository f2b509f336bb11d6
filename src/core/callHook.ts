import type { Diagnostics, Scrub } from './diagnostics.js';
import type { Contract } from './hookContracts.js';

/**
 * Calls a user hook as `hook.call(self, arg)` (no closure per call) and returns its answer
 * when it is within `contract`. A hook that throws, or answers outside its contract, is
 * reported through `diagnostics` — the same way, under the same name, so a hook's garbage
 * is no different from its throw — and `fallback` is returned: the call goes on without it.
 */
export function callHook<S, A, T>(
  diagnostics: Diagnostics,
  what: string,
  self: S,
  hook: (this: S, arg: A) => unknown,
  arg: A,
  contract: Contract,
  fallback: T,
  scrub?: Scrub,
): T {
  let answer: unknown;
  try {
    answer = hook.call(self, arg);
  } catch (error) {
    diagnostics.report(what, error, scrub);
    return fallback;
  }
  return checkedAnswer(diagnostics, what, answer, contract, fallback, scrub);
}

/**
 * `answer` when it is within `contract`; else the breach is reported as the hook's failure
 * and `fallback` returned. For answers that arrive later (a promise's value).
 */
export function checkedAnswer<T>(
  diagnostics: Diagnostics,
  what: string,
  answer: unknown,
  contract: Contract,
  fallback: T,
  scrub?: Scrub,
): T {
  if (contract.accepts(answer)) return answer as T;
  diagnostics.report(what, contractBreach(answer, contract.expected), scrub);
  return fallback;
}

/** The error a hook's answer outside its contract is reported as. */
export function contractBreach(answer: unknown, expected: string): TypeError {
  return new TypeError(`returned ${describe(answer)}; expected ${expected}`);
}

function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
    if (typeof value === 'function') return 'a function';
    if (typeof (value as { then?: unknown }).then === 'function') return 'a promise';
    if (Array.isArray(value)) return 'an array';
    const kind = (value as { kind?: unknown }).kind;
    return typeof kind === 'string' ? `an object of kind ${JSON.stringify(kind.slice(0, 40))}` : 'an object';
  } catch {
    return 'an unreadable value';
  }
}
