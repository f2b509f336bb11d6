import type { RequestFailure } from '../errors/RequestFailure.js';
import type { Failure } from '../types/failure.js';
import { failureError } from './callResults.js';
import type { Call } from './prepareCall.js';

/** The `code` of a call refused because `shutdown()` had started. */
export const SHUTTING_DOWN = 'SHUTTING_DOWN';

const REFUSAL: Failure = {
  kind: 'cancelled',
  code: SHUTTING_DOWN,
  message: 'not sent: faultline is shutting down (shutdown() was called)',
};

/**
 * A call made after `shutdown()` started: a `CancelledError` with code `SHUTTING_DOWN`,
 * never sent and told to no signal. `cancelled` because the process, not the upstream,
 * ended it: it is never retried and never reported to Sentry, and an upstream's health
 * (circuits, budgets, dashboards) learns nothing from it. No signal because shutdown is
 * flushing them: a line written now could only be lost or written after the end.
 */
export function shutdownRefusal(call: Call): RequestFailure {
  call.control.finish();
  return failureError(call, { failure: REFUSAL }, 0);
}
