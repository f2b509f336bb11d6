import type { Failure } from '../types/failure.js';

/**
 * The failures faultline has told Sentry about (an event sent, or held back by the cap).
 * The signals see a call's `Failure` before the pipeline builds the error the caller gets
 * from that same object, so the object is the key: no per-call state to carry or clear.
 */
const reported = new WeakSet<Failure>();

/**
 * The property Sentry sets on an exception it has captured and checks before capturing
 * one (`checkOrSetAlreadyCaught` in @sentry/core, the same name since v7). An error
 * carrying it is skipped by every integration that would capture it again: Express's and
 * Fastify's error handlers, the global uncaught-exception and unhandled-rejection handlers.
 */
export const SENTRY_CAPTURED = '__sentry_captured__';

/** Marks `failure` as told to Sentry: the error built from it will carry Sentry's mark. */
export function markReported(failure: Failure): void {
  reported.add(failure);
}

/** Gives `error` Sentry's captured mark (non-enumerable, as Sentry sets it) when its failure was reported. */
export function markIfReported(error: Error, failure: Failure): void {
  if (reported.has(failure)) Object.defineProperty(error, SENTRY_CAPTURED, { value: true, configurable: true });
}
