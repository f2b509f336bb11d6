import type { Failure } from '../types/failure.js';

/**
 * Set on a failure faultline has told Sentry about (an event sent, or held back by the cap).
 * The signals see a call's `Failure` before the pipeline builds the error the caller gets
 * from that same object, so the mark travels on the object: no per-call state to carry or
 * clear. A symbol of this module, non-enumerable: no other code can set or see it.
 */
const REPORTED = Symbol('faultline.reportedToSentry');

/**
 * The property Sentry sets on an exception it has captured and checks before capturing
 * one (`checkOrSetAlreadyCaught` in @sentry/core, the same name since v7). An error
 * carrying it is skipped by every integration that would capture it again: Express's and
 * Fastify's error handlers, the global uncaught-exception and unhandled-rejection handlers.
 */
export const SENTRY_CAPTURED = '__sentry_captured__';

/** Marks `failure` as told to Sentry: the error built from it will carry Sentry's mark. */
export function markReported(failure: Failure): void {
  if (Object.isExtensible(failure)) Object.defineProperty(failure, REPORTED, { value: true, configurable: true });
}

/** Gives `error` Sentry's captured mark (non-enumerable, as Sentry sets it) when its failure was reported. */
export function markIfReported(error: Error, failure: Failure): void {
  if ((failure as { [REPORTED]?: boolean })[REPORTED] === true)
    Object.defineProperty(error, SENTRY_CAPTURED, { value: true, configurable: true });
}
