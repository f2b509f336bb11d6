import type { Readable } from 'node:stream';
import { whenComplete } from '../transport/bodyCompletion.js';
import type { Failure } from '../types/failure.js';
import { withoutSecrets } from './callSecrets.js';
import type { Call } from './prepareCall.js';

/**
 * How a streamed body ended: complete (`null`: its last byte arrived), failed or cancelled
 * (its failure), or `'abandoned'`: never read when the call's total deadline passed (or,
 * without a deadline, when its Response was garbage-collected unread).
 */
export type BodyEnd = Failure | null | 'abandoned';

/** Ends the signals of bodies whose Response was dropped unread, for calls with no total deadline. */
const dropped = new FinalizationRegistry<() => void>((abandon) => abandon());

/**
 * Follows the body of a Response handed to the caller, so that the call is told when its
 * body is complete rather than when its headers came (as OpenTelemetry's undici
 * instrumentation ends its span): a body that resets, stalls or is cut by the deadline
 * before its end is the call's failure (phase `body`), not a success. `ended` is called once.
 *
 * A body is a stream the caller may never read. One not read at all when the total deadline
 * passes is `'abandoned'` (the upstream answered; nobody listened), and so is one whose
 * Response is dropped unread when the call has no total deadline; its connection is
 * released either way. The call's deadline stays armed until the body ends one of these ways.
 */
export function followBody(call: Call, body: Readable, owner: object, ended: (end: BodyEnd) => void): void {
  const { control } = call;
  // Without a deadline, only the collector can tell that a Response was dropped unread.
  const token = call.deadline === Number.POSITIVE_INFINITY ? {} : undefined;
  let settled = false;
  const settleBody = (end: BodyEnd): void => {
    if (settled) return;
    settled = true;
    // Nothing the upstream does can fail the call now: the deadline lets go.
    control.finish();
    if (token !== undefined) dropped.unregister(token);
    ended(end);
  };
  const abandon = (): void => {
    if (settled) return;
    settleBody('abandoned');
    body.destroy();
  };
  // Its last byte arriving ends the call, whether the caller has read it yet or not.
  whenComplete(body, () => settleBody(null));
  // `on`, not `once`: settleBody runs once anyway, and once's wrappers cost every call.
  body.on('error', (error) => settleBody(bodyFailure(call, error)));
  // Closed before its end without an error: the caller cancelled or destroyed it.
  body.on('close', () => settleBody(CANCELLED));
  // The total deadline cuts a body in flight (its 'error' tells the timeout); one that was
  // never read is abandoned instead: no upstream fault, and no failure to report.
  if (token !== undefined) dropped.register(owner, abandon, token);
  else
    control.once('abort', () => {
      if (control.expired && !body.readableDidRead) abandon();
    });
}

/** A body's error as the call's failure: its kind, in phase `body` unless it has one (a deadline's). */
export function bodyFailure(call: Call, error: unknown): Failure {
  const failure = withoutSecrets(call, call.control.failureOf(error, call.config.clock.now()));
  return failure.phase === undefined && failure.kind !== 'cancelled' ? { ...failure, phase: 'body' } : failure;
}

const CANCELLED: Failure = {
  kind: 'cancelled',
  code: 'BODY_CANCELLED',
  phase: 'body',
  message: 'The caller cancelled the response body before its end',
};
