import { type Diagnostics, type Scrub } from '../core/diagnostics.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import type { Failure } from '../types/failure.js';
import type { AdmissionRequest, AttemptEnd, Permit, PolicyHooks } from '../types/policy.js';
import { FAILURE_OR_NOTHING } from './policyContracts.js';
import { noop } from '../core/noop.js';

/** What the composed admission answers: a refusal, the places taken, or neither. */
export type Admission = Failure | Permit | undefined;

/** The composed admission of a list with a limiting policy (`acquire`). */
export type Acquire = (request: AdmissionRequest, scrub: Scrub) => Admission | Promise<Admission>;

interface Gate {
  readonly name: string;
  readonly hooks: PolicyHooks;
}

/** An attempt never sent: its time says nothing about the upstream. */
const DROPPED: AttemptEnd = Object.freeze({ outcome: 'dropped', durationMs: 0 });

const HEDGE_WAITS = new TypeError('returned a promise for a hedge; a hedge never waits (answer it synchronously)');
const NOT_A_PERMIT = new TypeError('returned something that is neither a Permit ({ release }) nor a Failure');

/**
 * Admission for a list where some policy holds places: every `beforeAttempt` and `acquire`,
 * outermost first. A refusal by an inner policy releases the places the outer ones gave
 * (`dropped`), so a limiter hears of each admitted attempt exactly once. Synchronous until
 * a policy waits; a hedge never waits. Built only for such a list: a list without
 * `acquire` keeps the plain `beforeAttempt` loop and pays nothing for this.
 */
export function composeAdmission(gates: readonly Gate[], diagnostics: Diagnostics): Acquire {
  const from = (start: number, taken: Permit[] | undefined, request: AdmissionRequest, scrub: Scrub) => {
    let held = taken;
    for (let i = start; i < gates.length; i++) {
      const { name, hooks } = gates[i]!;
      if (hooks.acquire === undefined) {
        const what = `${name} (beforeAttempt)`;
        const answer = guarded(diagnostics, what, scrub, () => hooks.beforeAttempt!(request));
        if (answer === undefined || answer === null) continue;
        if (FAILURE_OR_NOTHING.accepts(answer)) return refused(held, answer);
        diagnostics.report(what, new TypeError(`returned something outside the contract`), scrub);
        continue;
      }
      const what = `${name} (acquire)`;
      const got = guarded(diagnostics, what, scrub, () => hooks.acquire!(request));
      if (isPromiseLike<Permit | Failure>(got)) {
        if (request.hedge === true) {
          // Whatever it gives later is given back at once: the hedge was not sent.
          got.then((late) => (isPermit(late) ? late.release(DROPPED) : undefined), noop);
          diagnostics.report(what, HEDGE_WAITS, scrub);
          return refused(held, HEDGE_REFUSED);
        }
        const before = held;
        return untilAborted(got, request.signal).then(
          (settled): Admission | Promise<Admission> => {
            const next = taking(before, settled, what, scrub);
            return Array.isArray(next) || next === undefined ? from(i + 1, next, request, scrub) : next;
          },
          (error: unknown): Admission => {
            release(before, DROPPED);
            // A place given after the call stopped waiting goes back at once.
            got.then((late) => (isPermit(late) ? late.release(DROPPED) : undefined), noop);
            // An abort while queued is the call's cancellation or deadline, told by the pipeline.
            if (!request.signal.aborted) diagnostics.report(what, error, scrub);
            return undefined;
          },
        );
      }
      const next = taking(held, got, what, scrub);
      if (Array.isArray(next) || next === undefined) held = next;
      else return next;
    }
    return held === undefined ? undefined : held.length === 1 ? held[0] : combined(held);
  };

  /** The places held after a policy's answer, or its refusal (with the places let go). */
  const taking = (held: Permit[] | undefined, got: unknown, what: string, scrub: Scrub) => {
    if (got === undefined || got === null) return held;
    if (isPermit(got))
      return held === undefined
        ? [guardedPermit(got, what, diagnostics)]
        : [...held, guardedPermit(got, what, diagnostics)];
    if (FAILURE_OR_NOTHING.accepts(got)) return refused(held, got as Failure);
    diagnostics.report(what, NOT_A_PERMIT, scrub);
    return held;
  };

  return (request, scrub) => from(0, undefined, request, scrub);
}

/** What an inner policy's refusal of a hedge looks like when a policy broke the no-wait rule. */
const HEDGE_REFUSED: Failure = Object.freeze({
  kind: 'load_shed',
  code: 'HEDGE_NOT_ADMITTED',
  message: 'A hedge was not admitted: a limiting policy could not answer at once',
});

function refused(held: Permit[] | undefined, refusal: Failure): Failure {
  release(held, DROPPED);
  return refusal;
}

function release(held: Permit[] | undefined, end: AttemptEnd): void {
  if (held !== undefined) for (const permit of held) permit.release(end);
}

function combined(held: Permit[]): Permit {
  return { release: (end) => release(held, end) };
}

/** A permit to send: what `acquire` returns when it admits. */
export function isPermit(value: unknown): value is Permit {
  return typeof value === 'object' && value !== null && typeof (value as Permit).release === 'function';
}

/** A user's permit: released at most once, and a throwing release is reported, never thrown. */
function guardedPermit(permit: Permit, what: string, diagnostics: Diagnostics): Permit {
  let released = false;
  return {
    release(end) {
      if (released) return;
      released = true;
      try {
        permit.release(end);
      } catch (error) {
        diagnostics.report(`${what.replace('(acquire)', '(release)')}`, error);
      }
    },
  };
}

function guarded<T>(diagnostics: Diagnostics, what: string, scrub: Scrub, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    diagnostics.report(what, error, scrub);
    return undefined;
  }
}
