import type { Scrub } from '../core/diagnostics.js';
import { isResponseLike } from '../core/isResponseLike.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import type { Answered, Resilience } from '../policies/composePolicies.js';
import type { FailedCall } from '../types/policy.js';
import { deadlineSweep } from '../transport/deadlineSweep.js';
import { createLazyResponse } from '../transport/LazyResponse.js';
import type { Failure } from '../types/failure.js';
import { scrubberOf } from './callSecrets.js';
import { FallbackLimit } from './FallbackLimit.js';
import type { Call } from './prepareCall.js';

/** The header on a Response faultline built from a fallback value. */
export const FALLBACK_HEADER = 'x-faultline-fallback';

/** What the caller gets instead of the failure: the value for `json()`, else a Response. */
export interface FallbackAnswered {
  readonly answer: unknown;
}

/**
 * The fallback's answer to a call's final failure, in the call's mode, or undefined: a
 * kind it does not answer for (never `cancelled`), a caller who aborted, or a fallback
 * that failed (reported through the diagnostics; the caller gets the original failure).
 * Synchronous when the fallback is, so a constant answer costs no promise.
 */
export function fallbackAnswer(
  call: Call,
  answer: NonNullable<Resilience['answer']>,
  failure: Failure,
  attempts: number,
): FallbackAnswered | undefined | Promise<FallbackAnswered | undefined> {
  const { callerSignal } = call.control;
  // The caller who aborted is not waiting for an answer.
  if (failure.kind === 'cancelled' || callerSignal?.aborted === true) return undefined;
  const scrub = scrubberOf(call);
  // The call's total timeout again (none without one): a fallback that never settles
  // cannot hold the call, and its span, open for ever.
  const limit = new FallbackLimit(callerSignal, call.deadline - call.info.startedAt, deadlineSweep);
  const { info } = call;
  const failed: FailedCall = {
    failure,
    method: call.method,
    url: info.url,
    upstream: info.upstream,
    route: info.route,
    attempts,
    mode: call.mode,
    // Made on demand: most fallbacks never look at it.
    get signal() {
      return limit.signal;
    },
  };
  const given = answer(failed, scrub, limit);
  // Nothing was armed for a sync answer: only an async one has a limit to keep.
  if (!isPromiseLike(given)) return given === undefined ? undefined : shapedAnswer(call, given, scrub);
  return given.then((settled) => (settled === undefined ? undefined : shapedAnswer(call, settled, scrub)));
}

/**
 * `json()` gets the value as it is (or a returned Response's body, parsed); the Response
 * methods get a returned Response as it is, or the value as a JSON Response.
 */
function shapedAnswer(
  call: Call,
  { value: answer, by }: Answered,
  scrub: Scrub,
): FallbackAnswered | undefined | Promise<FallbackAnswered | undefined> {
  const { diagnostics } = call.config;
  const what = `${by} (answer)`;
  const { callerSignal } = call.control;
  if (call.mode === 'json') {
    if (!isResponseLike(answer)) return { answer };
    const parsed = answer.json() as Promise<unknown>;
    return (callerSignal === undefined ? parsed : untilAborted(parsed, callerSignal)).then(
      (value) => ({ answer: value }),
      (error: unknown) => {
        if (callerSignal?.aborted !== true) diagnostics.report(what, error, scrub);
        return undefined;
      },
    );
  }
  if (isResponseLike(answer)) return { answer };
  try {
    return { answer: jsonResponse(call, answer) };
  } catch (error) {
    // A value JSON cannot write (a BigInt, a cycle).
    diagnostics.report(what, error, scrub);
    return undefined;
  }
}

/** A 200 JSON Response of the value, marked as the fallback's, with the call's URL. */
function jsonResponse(call: Call, value: unknown): Response {
  const body = Buffer.from(JSON.stringify(value) ?? 'null');
  return createLazyResponse(
    200,
    'OK',
    { 'content-type': 'application/json', [FALLBACK_HEADER]: 'true' },
    body,
    call.method,
    call.target.href,
    (error) => error,
  );
}
