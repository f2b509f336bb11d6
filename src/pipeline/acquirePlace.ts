import { type Acquire, type Admission, isPermit } from '../policies/composeAdmission.js';
import type { Failure } from '../types/failure.js';
import type { AttemptEnd, AttemptInfo, Permit } from '../types/policy.js';
import { scrubberOf, withoutSecrets } from './callSecrets.js';
import type { Call } from './prepareCall.js';

const DROPPED: AttemptEnd = Object.freeze({ outcome: 'dropped', durationMs: 0 });

/**
 * Admission through a list with a limiting policy (only such a list comes here): a place
 * (a Permit), a refusal, or nothing. A wait the caller or the total deadline ended is that
 * abort's failure (`cancelled`, or a `total` timeout), with any place given back.
 */
export function acquirePlace(call: Call, acquire: Acquire, attempt: AttemptInfo): Admission | Promise<Admission> {
  const { control } = call;
  const now = call.config.clock.now();
  const request = {
    ...attempt,
    remainingMs: call.deadline - now,
    get signal() {
      return control.signal;
    },
  };
  const admission = acquire(request, scrubberOf(call));
  return admission instanceof Promise ? admission.then((settled) => unlessAborted(call, settled)) : admission;
}

/** A hedge's admission: never waits (the composition refuses a hedge a policy would queue). */
export function acquireHedge(call: Call, acquire: Acquire, attempt: AttemptInfo): Admission {
  const admission = acquirePlace(call, acquire, attempt);
  if (!(admission instanceof Promise)) return admission;
  void admission.then((late) => (isPermit(late) ? late.release(DROPPED) : undefined));
  return HEDGE_WAITED;
}

const HEDGE_WAITED: Failure = Object.freeze({
  kind: 'load_shed',
  code: 'HEDGE_NOT_ADMITTED',
  message: 'A hedge was not admitted at once',
});

function unlessAborted(call: Call, admission: Admission): Admission {
  const { control } = call;
  if (!control.aborted) return admission;
  if (isPermit(admission)) admission.release(DROPPED);
  return withoutSecrets(call, control.failureOf(control.reason, call.config.clock.now()));
}

/** How an attempt ended, for its permit: a success, a failure (its time and kind), or dropped. */
export function releasePlace(permit: Permit, failure: Failure | null, durationMs: number, lost?: true): void {
  if (lost === true) permit.release(DROPPED);
  else if (failure === null) permit.release({ outcome: 'success', durationMs });
  else permit.release({ outcome: 'failure', durationMs, failure });
}
