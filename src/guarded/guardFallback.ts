import type { Diagnostics, Scrub } from '../core/diagnostics.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import type { FallbackPolicy } from '../policies/fallbackPolicy.js';
import { type Deadline, type DeadlineSweep, deadlineSweep } from '../transport/deadlineSweep.js';
import type { FallbackContext } from '../types/fallback.js';
import type { Failure, FailureKind } from '../types/failure.js';

/** What a guarded fallback answers when it has no answer to give. */
export const NO_ANSWER: unique symbol = Symbol('faultline.fallback.none');

/** A fallback as the pipeline calls it: it never throws or rejects. */
export interface GuardedFallback {
  /** The kinds it answers for (never `cancelled`). */
  readonly kinds: ReadonlySet<FailureKind>;
  /**
   * The fallback's answer, or {@link NO_ANSWER} when it threw or rejected or took longer
   * than `limitMs` (reported through the diagnostics), or the caller aborted first (not
   * reported: nobody is waiting). Synchronous when the fallback is; a promise returned
   * never rejects and settles within `limitMs`.
   */
  answer(
    failure: Failure,
    context: Omit<FallbackContext, 'signal'>,
    scrub: Scrub,
    callerSignal: AbortSignal | undefined,
    limitMs: number,
  ): unknown | Promise<unknown>;
}

/**
 * Wraps a user's fallback, where the client is built (or where a call brings its own):
 * like every user hook, its failure is reported and never thrown into the request. An
 * async fallback is cut off by the caller's signal: a caller who aborted gets no answer.
 * It answers timeouts too, after the call's total deadline has passed, so that deadline
 * does not bound it; its own limit does (the call's total timeout again), so a fallback
 * that never settles cannot hold the call, and its span, open for ever.
 */
export function guardFallback(
  policy: FallbackPolicy,
  diagnostics: Diagnostics,
  sweep: DeadlineSweep = deadlineSweep,
): GuardedFallback {
  const failed = (error: unknown, scrub: Scrub, callerSignal: AbortSignal | undefined): typeof NO_ANSWER => {
    if (callerSignal?.aborted !== true) diagnostics.report('fallback', error, scrub);
    return NO_ANSWER;
  };
  return {
    kinds: policy.kinds,
    answer(failure, context, scrub, callerSignal, limitMs) {
      if (callerSignal?.aborted === true) return NO_ANSWER;
      const limit = new FallbackLimit(callerSignal, limitMs, sweep);
      let answer: unknown;
      try {
        answer = policy.answer(failure, {
          ...context,
          // Made on demand: most fallbacks never look at it.
          get signal() {
            return limit.signal;
          },
        });
      } catch (error) {
        return failed(error, scrub, callerSignal);
      }
      // Nothing was armed for a sync answer: only an async one has a limit to keep.
      if (!isPromiseLike(answer)) return answer;
      return limit.wait(answer).then(undefined, (error: unknown) => failed(error, scrub, callerSignal));
    },
  };
}

/**
 * The time an async fallback has: until the caller aborts or `limitMs` passes (an entry
 * on the shared deadline sweep, not a timer of its own). Its signal is the one the
 * fallback is handed for its own I/O.
 */
class FallbackLimit implements Deadline {
  expiresAt = Number.POSITIVE_INFINITY;
  private controller: AbortController | undefined;
  private timedOut: DOMException | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    private readonly limitMs: number,
    private readonly sweep: DeadlineSweep,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const caller = this.callerSignal;
      if (this.timedOut !== undefined) controller.abort(this.timedOut);
      else if (caller?.aborted === true) controller.abort(caller.reason);
      else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    return this.controller.signal;
  }

  /** Waits for the answer, no longer than the caller and the limit allow. */
  wait<T>(answer: PromiseLike<T>): Promise<T> {
    if (this.limitMs > 0 && Number.isFinite(this.limitMs)) {
      this.expiresAt = this.sweep.now() + this.limitMs;
      this.sweep.arm(this);
    }
    const settled = untilAborted(answer, this.signal);
    settled.then(
      () => this.finish(),
      () => this.finish(),
    );
    return settled;
  }

  expire(): void {
    this.timedOut = new DOMException(`The fallback did not answer within ${this.limitMs} ms`, 'TimeoutError');
    this.controller?.abort(this.timedOut);
  }

  finish(): void {
    this.sweep.disarm(this);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private readonly onCallerAbort = (): void => this.controller?.abort(this.callerSignal?.reason);
}
