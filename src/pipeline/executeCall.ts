import type { RequestOptions } from '../types/client.js';
import type { Failure } from '../types/failure.js';
import type { AttemptOutcome } from '../types/observers.js';
import type { AttemptInfo, Permit, Verdict } from '../types/policy.js';
import { isPermit } from '../policies/composeAdmission.js';
import { acquireHedge, acquirePlace, releasePlace } from './acquirePlace.js';
import { UNEXPECTED_REDIRECT } from '../transport/followRedirects.js';
import { attemptOnce, type AttemptResult } from './attemptOnce.js';
import { raceHedges } from './raceHedges.js';
import { failureError, responseOf } from './callResults.js';
import { followBody } from './followBody.js';
import { hasNullBody } from '../transport/LazyResponse.js';
import { streamOf } from '../transport/bufferWithDeadline.js';
import { scrubberOf, withoutSecrets } from './callSecrets.js';
import { type CallState, decideNext } from './decideNext.js';
import { type FallbackAnswered, fallbackAnswer } from './fallbackAnswer.js';
import type { PipelineConfig } from './PipelineConfig.js';
import { type Call, type CallMode, prepareCall } from './prepareCall.js';
import { parseJson } from './readBody.js';
import { shutdownRefusal } from './shutdownRefusal.js';
import { callsInFlight } from '../core/callsInFlight.js';

/**
 * The request pipeline: prepare the call; then admit, attempt, decide, wait — until a
 * success or a stop; then finish. Observers hear every step; user code was guarded when
 * the client was built, so nothing here can be thrown into by it.
 */
export async function executeCall(
  config: PipelineConfig,
  method: string,
  path: string | URL,
  init: RequestOptions | undefined,
  mode: CallMode,
): Promise<unknown> {
  const prepared = prepareCall(config, method, path, init, mode);
  const call = prepared instanceof Promise ? await prepared : prepared;
  if (callsInFlight.closing()) throw shutdownRefusal(call);
  callsInFlight.enter();
  // Durations on the monotonic clock (sub-millisecond, for the histogram); deadlines and
  // Retry-After dates on the client's clock (which tests may fake).
  const started = performance.now();
  const state: CallState = { authReplayed: false, waitedUntil: 0 };
  let previousDelayMs = 0;
  let detached = false;
  let hedges = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = performance.now();
      const { acquire } = call.resilience;
      let refusal: Failure | undefined;
      let permit: Permit | undefined;
      if (acquire === undefined) refusal = admit(call, attempt, state);
      else {
        // A limiting policy in the list: admission may wait in its queue and holds a place.
        const place = acquirePlace(call, acquire, info(call, attempt, state));
        const settled = place instanceof Promise ? await place : place;
        if (isPermit(settled)) permit = settled;
        else refusal = settled;
      }
      const plan =
        refusal === undefined && call.replayable
          ? call.resilience.hedge?.(info(call, attempt, state), scrubberOf(call))
          : undefined;
      const sentAt = permit === undefined ? 0 : performance.now();
      const result: AttemptResult =
        refusal !== undefined
          ? { failure: refusal }
          : plan === undefined
            ? await attemptOnce(call, attempt)
            : await raceHedges(call, attempt, plan, (hedge) => admitHedge(call, hedge, state), permit);
      if (permit !== undefined && plan === undefined) releasePlace(permit, result.failure, performance.now() - sentAt);
      if (result.lastAttempt !== undefined) {
        // The race sent hedges: they are attempts too, numbered on.
        attempt = result.lastAttempt;
        hedges += result.hedges ?? 0;
      }
      const durationMs = performance.now() - attemptStarted;
      const { failure } = result;
      // The server asked this call to wait: a throttle does not hold it again once it has.
      if (failure?.retryAfterMs !== undefined)
        state.waitedUntil = Math.max(state.waitedUntil, call.config.clock.now() + failure.retryAfterMs);
      const status = result.response?.statusCode;

      if (failure === null) {
        tellSuccess(call, attempt, status ?? 0, durationMs, state);
        const last = { attempt, status, durationMs };
        if (mode === 'json') {
          finish(call, result, last, performance.now() - started, hedges);
          return result.value;
        }
        detached = true;
        return handOver(call, result, last, { attemptStarted, started, hedges });
      }

      const decided = decideNext(call, attempt, failure, previousDelayMs, state, durationMs);
      const verdict: Verdict = decided instanceof Promise ? await decided : decided;
      const { delayMs } = verdict;
      if (delayMs === null) {
        const last = { attempt, status, failure, durationMs, stopReason: verdict.reason };
        const ended = endFailed(call, { ...result, failure }, last, performance.now() - started, hedges);
        return ended instanceof Promise ? await ended : ended;
      }
      const delaySource = verdict.delaySource ?? 'backoff';
      result.scope?.end({
        attempt,
        status,
        failure,
        durationMs,
        retry: { delayMs, reason: verdict.reason, delaySource },
      });
      if (delayMs > 0) {
        try {
          await config.clock.sleep(delayMs, call.control.signal);
        } catch (error) {
          const stopped = withoutSecrets(call, call.control.failureOf(error, config.clock.now()));
          const stopReason = 'aborted_while_waiting';
          const last = { attempt, failure: stopped, durationMs: 0, stopReason };
          const ended = endFailed(call, { failure: stopped }, last, performance.now() - started, hedges);
          return ended instanceof Promise ? await ended : ended;
        }
      }
      previousDelayMs = delayMs;
    }
  } finally {
    // A Response handed over keeps its call in flight, deadline armed, until its body ends.
    if (!detached) {
      call.control.finish();
      callsInFlight.leave();
    }
  }
}

/**
 * The admission step: every policy's `beforeAttempt`, outermost first (a throttle's hold,
 * an open circuit, a spent budget for a hedge). A refusal is the attempt's failure.
 */
function admit(call: Call, attempt: number, state: CallState, hedge?: true): Failure | undefined {
  const { beforeAttempt } = call.resilience;
  if (beforeAttempt === undefined) return undefined;
  return beforeAttempt(info(call, attempt, state, hedge), scrubberOf(call));
}

/** A hedge's admission: the places it holds, if a limiting policy is in the list (a hedge never waits). */
function admitHedge(call: Call, attempt: number, state: CallState): Failure | Permit | undefined {
  const { acquire } = call.resilience;
  if (acquire === undefined) return admit(call, attempt, state, true);
  return acquireHedge(call, acquire, info(call, attempt, state, true));
}

/** The attempt as policies see it. */
function info(call: Call, attempt: number, state: CallState, hedge?: true): AttemptInfo {
  const { upstream, url, route } = call.info;
  const seen = { attempt, method: call.method, url, upstream, route, waitedUntil: state.waitedUntil };
  return hedge === undefined ? seen : { ...seen, hedge };
}

function tellSuccess(call: Call, attempt: number, status: number, durationMs: number, state: CallState): void {
  const { onSuccess } = call.resilience;
  if (onSuccess === undefined) return;
  const elapsedMs = call.config.clock.now() - call.info.startedAt;
  onSuccess({ ...info(call, attempt, state), status, elapsedMs, durationMs }, scrubberOf(call));
}

/**
 * The call failed for good. A fallback that answers for the failure's kind answers
 * instead (before the signals are told, so they can say so; the durations were taken
 * before it ran); else a failed HTTP response is returned when the caller asked for it, or
 * the failure is thrown. Synchronous unless the fallback is not.
 */
function endFailed(
  call: Call,
  result: AttemptResult & { failure: Failure },
  last: AttemptOutcome,
  callDurationMs: number,
  hedges: number,
): unknown {
  const { answer } = call.resilience;
  const answered = answer === undefined ? undefined : fallbackAnswer(call, answer, result.failure, last.attempt);
  return answered instanceof Promise
    ? answered.then((settled) => settleFailed(call, result, last, callDurationMs, settled, hedges))
    : settleFailed(call, result, last, callDurationMs, answered, hedges);
}

function settleFailed(
  call: Call,
  result: AttemptResult & { failure: Failure },
  last: AttemptOutcome,
  callDurationMs: number,
  answered: FallbackAnswered | undefined,
  hedges: number,
): unknown {
  if (answered !== undefined) {
    finish(call, result, { ...last, fallback: true }, callDurationMs, hedges);
    return answered.answer;
  }
  finish(call, result, last, callDurationMs, hedges);
  // redirect: 'error' fails as fetch does, whatever throwHttpErrors says.
  if (last.status !== undefined && call.returnHttpErrors && result.failure.code !== UNEXPECTED_REDIRECT) {
    if (call.mode === 'json') return parseJson(result.failureBody);
    return responseOf(call, result, last.attempt);
  }
  throw failureError(call, result, last.attempt);
}

/**
 * A success handed to the caller as a Response. Its body is part of the call: the signals
 * hear how the call ended when the body ends (with the body's time in the durations), fails
 * (its failure, which cannot be retried: the caller holds the Response) or is cancelled; an
 * abandoned body is told as the success it was when its headers came.
 */
function handOver(
  call: Call,
  result: AttemptResult,
  last: AttemptOutcome,
  times: { attemptStarted: number; started: number; hedges: number },
): Response {
  const response = responseOf(call, result, last.attempt);
  // A call that hands a Response over never has its body read whole.
  const body = streamOf(result.response)!;
  const headersCallMs = performance.now() - times.started;
  if (hasNullBody(call.method, last.status ?? 0)) {
    body.once('close', () => call.control.finish());
    finish(call, result, last, headersCallMs, times.hedges);
    callsInFlight.leave();
    return response;
  }
  followBody(call, body, response, (end) => {
    if (end === 'abandoned') finish(call, result, last, headersCallMs, times.hedges);
    else {
      const now = performance.now();
      const durationMs = now - times.attemptStarted;
      const outcome =
        end === null ? { ...last, durationMs } : { ...last, durationMs, failure: end, stopReason: 'response_returned' };
      finish(call, result, outcome, now - times.started, times.hedges);
    }
    callsInFlight.leave();
  });
  return response;
}

/**
 * The call's one ending: the last attempt's scope hears how it ended (an attempt that was
 * never sent has none) and the observers hear the call's outcome.
 */
function finish(call: Call, result: AttemptResult, last: AttemptOutcome, callDurationMs: number, hedges = 0): void {
  result.scope?.end(last);
  call.config.fanout?.callEnded(
    call.info,
    {
      attempts: last.attempt,
      status: last.status,
      failure: last.failure,
      durationMs: callDurationMs,
      stopReason: last.stopReason,
      hedges: hedges === 0 ? undefined : hedges,
      fallback: last.fallback,
    },
    scrubberOf(call),
  );
}
