import { isFailureKind } from './failureKinds.js';
import { isPromiseLike } from './promises.js';

/**
 * What a user hook may answer. A hook's answer outside its contract is treated as if the
 * hook had thrown (see `callHook`): the contract is checked where the answer arrives, once.
 */
export interface Contract {
  /** What is accepted, for the report. */
  readonly expected: string;
  /** True for an answer within the contract. Must not throw, and allocates nothing. */
  accepts(value: unknown): boolean;
}

const PHASES: ReadonlySet<unknown> = new Set(['connect', 'headers', 'body', 'total']);

/** A value read from a user's object without trusting its getters. */
function member(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return Symbol.for('faultline.unreadable');
  }
}

function isFailure(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const retryAfterMs = member(value, 'retryAfterMs');
  const status = member(value, 'status');
  const phase = member(value, 'phase');
  return (
    isFailureKind(member(value, 'kind')) &&
    typeof member(value, 'code') === 'string' &&
    typeof member(value, 'message') === 'string' &&
    (retryAfterMs === undefined || (typeof retryAfterMs === 'number' && retryAfterMs >= 0)) &&
    (status === undefined || Number.isInteger(status)) &&
    (phase === undefined || PHASES.has(phase))
  );
}

/** `beforeAttempt`: a Failure refuses the attempt; nothing lets it go. */
export const FAILURE_OR_NOTHING: Contract = {
  expected: 'a Failure ({ kind, code, message } with a known kind) to refuse the attempt, or nothing',
  accepts: (value) => value === undefined || value === null || isFailure(value),
};

/** `onUnauthorized`: whether to replay. */
export const BOOLEAN: Contract = {
  expected: 'true or false',
  accepts: (value) => typeof value === 'boolean',
};

/** A hedge's delay: ms, Infinity for none. */
export const DELAY: Contract = {
  expected: 'a delay in ms, 0 or more (Infinity: no hedge)',
  accepts: (value) => typeof value === 'number' && value >= 0,
};

/** A hedge policy's `maxHedges`. */
export const COUNT: Contract = {
  expected: 'a whole number, 0 or more',
  accepts: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
};

/** A hedge policy's `budget`: a strategy whose `beforeAttempt` prices a hedge, or none. */
export const BUDGET_OR_NOTHING: Contract = {
  expected: 'a retry strategy (its beforeAttempt prices hedges), or nothing',
  accepts: (value) => {
    if (value === undefined) return true;
    if (typeof value !== 'object' || value === null) return false;
    const beforeAttempt = member(value, 'beforeAttempt');
    return beforeAttempt === undefined || typeof beforeAttempt === 'function';
  },
};

/** An observer's `attemptStarted`: a scope with `run` and `end` (and optional hooks), or none. */
export const SCOPE_OR_NOTHING: Contract = {
  expected: 'an attempt scope ({ run, end } and optional send, inject, hedged), or nothing',
  accepts: (value) => {
    if (value === undefined) return true;
    if (typeof value !== 'object' || value === null) return false;
    if (typeof member(value, 'run') !== 'function' || typeof member(value, 'end') !== 'function') return false;
    for (const key of ['send', 'inject', 'hedged']) {
      const hook = member(value, key);
      if (hook !== undefined && typeof hook !== 'function') return false;
    }
    return true;
  },
};

/** What `contract` accepts, or a promise (whose value is checked when it settles). */
export function orPromise(contract: Contract): Contract {
  return {
    expected: `${contract.expected}, or a promise of it`,
    accepts: (value) => isPromiseLike(value) || contract.accepts(value),
  };
}

/** A clock's `now()`: ms since the epoch. */
export const TIME: Contract = {
  expected: 'a finite number of ms since the epoch',
  accepts: (value) => typeof value === 'number' && Number.isFinite(value),
};

/** A clock's `sleep()`: a promise (it rejects when the signal aborts). */
export const PROMISE: Contract = {
  expected: 'a promise',
  accepts: isPromiseLike,
};
