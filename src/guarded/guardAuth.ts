import { type Diagnostics, guard, type Scrub } from '../core/diagnostics.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import type { AuthContext, AuthStrategy, UnauthorizedContext } from '../types/auth.js';

/** An auth strategy as the pipeline calls it. */
export interface GuardedAuth {
  /**
   * Applies credentials. A throwing or rejecting strategy is reported and the attempt goes
   * on without; the promise rejects only when the call is aborted while it waits.
   */
  apply(context: AuthContext, scrub: Scrub): void | Promise<void>;
  /** After a 401: true to replay once. A throwing strategy is reported and answers false. */
  replay(context: UnauthorizedContext, scrub: Scrub): boolean | Promise<boolean>;
}

/**
 * Wraps a user's (or built-in) auth strategy once, where the client is built. A hook that
 * never settles cannot hold an attempt past the call's deadline.
 */
export function guardAuth(auth: AuthStrategy, diagnostics: Diagnostics): GuardedAuth {
  return {
    apply(context, scrub) {
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
      const answer = guard(
        diagnostics,
        'auth strategy (onUnauthorized)',
        () => onUnauthorized.call(auth, context),
        false,
        scrub,
      );
      if (!isPromiseLike(answer)) return answer === true;
      return untilAborted(answer, context.signal).then(
        (value) => value === true,
        (error: unknown) => {
          if (!context.signal.aborted) diagnostics.report('auth strategy (onUnauthorized)', error, scrub);
          return false;
        },
      );
    },
  };
}
