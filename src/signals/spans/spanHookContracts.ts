import { isPromiseLike } from '../../core/promises.js';
import type { Contract } from '../../core/hookContracts.js';

/** A span hook's `start`: attributes to add, or nothing. */
export const ATTRIBUTES_OR_NOTHING: Contract = {
  expected: 'an object of span attributes, or nothing',
  accepts: (value) =>
    value === undefined ||
    value === null ||
    (typeof value === 'object' && !Array.isArray(value) && !isPromiseLike(value)),
};

/**
 * A span hook's `end`: its answer is not used, but a promise means work the span cannot
 * wait for (it ends as the hook returns), so it is reported.
 */
export const NOT_A_PROMISE: Contract = {
  expected: 'nothing (not a promise: the span ends when the hook returns)',
  accepts: (value) => !isPromiseLike(value),
};
