import type { Scrub } from '../core/diagnostics.js';
import { isResponseLike } from '../core/isResponseLike.js';
import { untilAborted } from '../core/promises.js';
import { type GuardedFallback, guardFallback, NO_ANSWER } from '../guarded/guardFallback.js';
import { fallbackPolicy } from '../policies/fallbackPolicy.js';
import { createLazyResponse } from '../transport/LazyResponse.js';
import type { RequestOptions } from '../types/client.js';
import type { FallbackContext } from '../types/fallback.js';
import type { Failure } from '../types/failure.js';
import { scrubberOf } from './callSecrets.js';
import type { PipelineConfig } from './PipelineConfig.js';
import type { Call } from './prepareCall.js';

/** The header on a Response faultline built from a fallback value. */
export const FALLBACK_HEADER = 'x-faultline-fallback';

/** What the caller gets instead of the failure: the value for `json()`, else a Response. */
export interface FallbackAnswered {
  readonly answer: unknown;
}

/**
 * The fallback in force for a call: the call's own option when it gives one (`false`:
 * none), else the client's. Checked before the call starts, so a wrong option is a
 * ConfigError at once, not in the first outage.
 *
 * @throws {ConfigError} for a call option that is not a fallback.
 */
export function fallbackOf(config: PipelineConfig, init: RequestOptions | undefined): GuardedFallback | undefined {
  const option = init?.fallback;
  if (option === undefined) return config.fallback;
  const policy = fallbackPolicy(option);
  return policy === undefined ? undefined : guardFallback(policy, config.diagnostics);
}

/**
 * The fallback's answer to a call's final failure, in the call's mode, or undefined: a
 * kind it does not answer for (never `cancelled`), a caller who aborted, or a fallback
 * that failed (reported through the diagnostics; the caller gets the original failure).
 * Synchronous when the fallback is, so a constant answer costs no promise.
 */
export function fallbackAnswer(
  call: Call,
  fallback: GuardedFallback,
  failure: Failure,
  attempts: number,
): FallbackAnswered | undefined | Promise<FallbackAnswered | undefined> {
  if (!fallback.kinds.has(failure.kind)) return undefined;
  const { callerSignal } = call.control;
  const scrub = scrubberOf(call);
  // The call's total timeout again (none without one): a fallback that never settles
  // cannot hold the call, and its span, open for ever.
  const limitMs = call.deadline - call.info.startedAt;
  const answer = fallback.answer(failure, contextOf(call, attempts), scrub, callerSignal, limitMs);
  return answer instanceof Promise
    ? answer.then((settled) => shaped(call, settled, scrub))
    : shaped(call, answer, scrub);
}

/**
 * `json()` gets the value as it is (or a returned Response's body, parsed); the Response
 * methods get a returned Response as it is, or the value as a JSON Response.
 */
function shaped(
  call: Call,
  answer: unknown,
  scrub: Scrub,
): FallbackAnswered | undefined | Promise<FallbackAnswered | undefined> {
  if (answer === NO_ANSWER) return undefined;
  const { diagnostics } = call.config;
  const { callerSignal } = call.control;
  if (call.mode === 'json') {
    if (!isResponseLike(answer)) return { answer };
    const parsed = answer.json() as Promise<unknown>;
    return (callerSignal === undefined ? parsed : untilAborted(parsed, callerSignal)).then(
      (value) => ({ answer: value }),
      (error: unknown) => {
        if (callerSignal?.aborted !== true) diagnostics.report('fallback', error, scrub);
        return undefined;
      },
    );
  }
  if (isResponseLike(answer)) return { answer };
  try {
    return { answer: jsonResponse(call, answer) };
  } catch (error) {
    // A value JSON cannot write (a BigInt, a cycle).
    diagnostics.report('fallback', error, scrub);
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

function contextOf(call: Call, attempts: number): Omit<FallbackContext, 'signal'> {
  const { info } = call;
  return {
    method: call.method,
    url: info.url,
    upstream: info.upstream,
    route: info.route,
    attempts,
    mode: call.mode,
  };
}
