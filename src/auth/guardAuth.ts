import { type Diagnostics, guard, type Scrub } from '../core/diagnostics.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import { callHook, checkedAnswer } from '../core/callHook.js';
import { BOOLEAN, orPromise } from '../core/hookContracts.js';
import type { AuthContext, AuthStrategy, UnauthorizedContext } from '../types/auth.js';

const BOOLEAN_OR_PROMISE = orPromise(BOOLEAN);

/** An auth strategy as the pipeline calls it. */
export interface GuardedAuth {
  /**
   * Applies credentials. A throwing or rejecting strategy is reported and the attempt goes
   * on without; the promise rejects only when the call is aborted while it waits.
   */
  apply(context: AuthContext, scrub: Scrub): void | Promise<void>;
  /**
   * After a 401: true to replay once. A strategy that throws, rejects or answers anything
   * but a boolean is reported and answers false.
   */
  replay(context: UnauthorizedContext, scrub: Scrub): boolean | Promise<boolean>;
}

/**
 * Wraps a user's (or built-in) auth strategy once, where the client is built. A hook that
 * never settles cannot hold an attempt past the call's deadline.
 */
export function guardAuth(auth: AuthStrategy, diagnostics: Diagnostics): GuardedAuth {
  return {
    apply(context, scrub) {
      // What apply returns besides a promise means nothing (`(c) => (c.headers.x = v)` is
      // an ordinary way to write it), so it is no breach of its contract.
      const applied = guard(diagnostics, 'auth strategy (apply)', () => auth.apply(context), undefined, scrub);
      if (!isPromiseLike(applied)) return undefined;
      return untilAborted(applied, context.signal).then(undefined, (error: unknown) => {
        if (context.signal.aborted) throw error;
        diagnostics.report('auth strategy (apply)', error, scrub);
      });
    },
    replay(context, scrub) {
      const { onUnauthorized } = auth;
      if (onUnauthorized === undefined) return false;
      const what = 'auth strategy (onUnauthorized)';
      // Anything but true or false is the strategy's failure, reported as a throw is: no replay.
      const answer = callHook(diagnostics, what, auth, onUnauthorized, context, BOOLEAN_OR_PROMISE, false, scrub);
      if (!isPromiseLike<unknown>(answer)) return answer as boolean;
      return untilAborted(answer, context.signal).then(
        (value) => checkedAnswer(diagnostics, what, value, BOOLEAN, false, scrub),
        (error: unknown) => {
          if (!context.signal.aborted) diagnostics.report(what, error, scrub);
          return false;
        },
      );
    },
  };
}
