import type { Diagnostics, Scrub } from '../core/diagnostics.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import type { FallbackPolicy } from '../policies/fallbackPolicy.js';
import type { FallbackContext } from '../types/fallback.js';
import type { Failure, FailureKind } from '../types/failure.js';

/** What a guarded fallback answers when it has no answer to give. */
export const NO_ANSWER: unique symbol = Symbol('faultline.fallback.none');

/** A fallback as the pipeline calls it: it never throws or rejects. */
export interface GuardedFallback {
  /** The kinds it answers for (never `cancelled`). */
  readonly kinds: ReadonlySet<FailureKind>;
  /**
   * The fallback's answer, or {@link NO_ANSWER} when it threw or rejected (reported through
   * the diagnostics) or the caller aborted first (not reported: nobody is waiting).
   * Synchronous when the fallback is; a promise returned never rejects.
   */
  answer(
    failure: Failure,
    context: FallbackContext,
    scrub: Scrub,
    callerSignal: AbortSignal | undefined,
  ): unknown | Promise<unknown>;
}

/**
 * Wraps a user's fallback, where the client is built (or where a call brings its own):
 * like every user hook, its failure is reported and never thrown into the request. An
 * async fallback is cut off by the caller's signal: a caller who aborted gets no answer.
 * The call's total deadline does not bound it: a fallback answers timeouts too, after
 * that deadline has passed.
 */
export function guardFallback(policy: FallbackPolicy, diagnostics: Diagnostics): GuardedFallback {
  const failed = (error: unknown, scrub: Scrub, callerSignal: AbortSignal | undefined): typeof NO_ANSWER => {
    if (callerSignal?.aborted !== true) diagnostics.report('fallback', error, scrub);
    return NO_ANSWER;
  };
  return {
    kinds: policy.kinds,
    answer(failure, context, scrub, callerSignal) {
      if (callerSignal?.aborted === true) return NO_ANSWER;
      let answer: unknown;
      try {
        answer = policy.answer(failure, context);
      } catch (error) {
        return failed(error, scrub, callerSignal);
      }
      if (!isPromiseLike(answer)) return answer;
      const settled = callerSignal === undefined ? Promise.resolve(answer) : untilAborted(answer, callerSignal);
      return settled.then(undefined, (error: unknown) => failed(error, scrub, callerSignal));
    },
  };
}
