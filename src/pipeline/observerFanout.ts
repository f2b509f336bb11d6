import type { AttemptOutcome, AttemptScope, CallInfo, CallOutcome, RequestObserver } from '../types/observers.js';
import { type Diagnostics, enterGuarded, type Scrub } from '../core/diagnostics.js';
import { checkedAnswer } from '../core/callHook.js';
import { SCOPE_OR_NOTHING } from '../core/hookContracts.js';

/**
 * The observers of one client, called as one, each call guarded. `scrub` takes the call's
 * own secret values out of what a throwing observer's error is reported with.
 */
export interface ObserverFanout {
  attemptStarted(call: CallInfo, attempt: number, scrub?: Scrub): AttemptScope | undefined;
  callEnded(call: CallInfo, outcome: CallOutcome, scrub?: Scrub): void;
}

/**
 * Combines observers so the pipeline calls one thing. A throwing observer is reported
 * through diagnostics and skipped; the request never hears of it. Returns undefined for
 * no observers, so the hot path can skip the whole business. `selfGuarded` is an observer
 * that catches and reports its own errors at every step (faultline's signals, which the
 * composition root builds and so knows): alone, it is called unwrapped.
 */
export function createObserverFanout(
  observers: readonly RequestObserver[],
  diagnostics: Diagnostics,
  selfGuarded?: RequestObserver,
): ObserverFanout | undefined {
  if (observers.length === 0) return undefined;
  const only = observers[0];
  if (observers.length === 1 && only !== undefined && only === selfGuarded) {
    // faultline's own signals guard every step themselves: no wrapping needed.
    return {
      attemptStarted: (call, attempt) => only.attemptStarted?.(call, attempt),
      callEnded: (call, outcome) => only.callEnded?.(call, outcome),
    };
  }
  return {
    attemptStarted(call, attempt, scrub) {
      const scopes: AttemptScope[] = [];
      for (const observer of observers) {
        if (observer.attemptStarted === undefined) continue;
        try {
          // A scope outside the contract is the observer's failure: reported, and skipped.
          const scope = checkedAnswer<AttemptScope | undefined>(
            diagnostics,
            'an observer (attemptStarted)',
            observer.attemptStarted(call, attempt),
            SCOPE_OR_NOTHING,
            undefined,
          );
          if (scope !== undefined) scopes.push(scope);
        } catch (error) {
          diagnostics.report('an observer (attemptStarted)', error, scrub);
        }
      }
      if (scopes.length === 0) return undefined;
      return scopes.length === 1
        ? guardScope(scopes[0]!, diagnostics, scrub)
        : combineScopes(scopes, diagnostics, scrub);
    },
    callEnded(call, outcome, scrub) {
      for (const observer of observers) {
        try {
          observer.callEnded?.(call, outcome);
        } catch (error) {
          diagnostics.report('an observer (callEnded)', error, scrub);
        }
      }
    },
  };
}

function guardScope(scope: AttemptScope, diagnostics: Diagnostics, scrub: Scrub | undefined): AttemptScope {
  return {
    // The attempt's own errors are the request's; only the observer's are caught.
    run: (fn) => enterGuarded(diagnostics, 'an observer (run)', (inner) => scope.run(inner), fn, scrub),
    send: (fn) =>
      scope.send === undefined
        ? fn()
        : enterGuarded(diagnostics, 'an observer (send)', (inner) => scope.send!(inner), fn, scrub),
    inject(headers) {
      try {
        scope.inject?.(headers);
      } catch (error) {
        diagnostics.report('an observer (inject)', error, scrub);
      }
    },
    hedged() {
      try {
        scope.hedged?.();
      } catch (error) {
        diagnostics.report('an observer (hedged)', error, scrub);
      }
    },
    end(outcome: AttemptOutcome) {
      try {
        scope.end(outcome);
      } catch (error) {
        diagnostics.report('an observer (end)', error, scrub);
      }
    },
  };
}

function combineScopes(
  scopes: readonly AttemptScope[],
  diagnostics: Diagnostics,
  scrub: Scrub | undefined,
): AttemptScope {
  const guarded = scopes.map((scope) => guardScope(scope, diagnostics, scrub));
  return {
    run: (fn) => guarded.reduceRight<() => ReturnType<typeof fn>>((inner, scope) => () => scope.run(inner), fn)(),
    send: (fn) => guarded.reduceRight<() => ReturnType<typeof fn>>((inner, scope) => () => scope.send!(inner), fn)(),
    inject(headers) {
      for (const scope of guarded) scope.inject?.(headers);
    },
    hedged() {
      for (const scope of guarded) scope.hedged?.();
    },
    end(outcome) {
      for (const scope of guarded) scope.end(outcome);
    },
  };
}
