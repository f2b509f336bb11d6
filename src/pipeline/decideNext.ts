import type { Failure } from '../types/failure.js';
import type { RetryVerdict } from '../types/strategies.js';
import { scrubberOf } from './callSecrets.js';
import type { Call } from './prepareCall.js';

/** Per call: whether the auth strategy's one replay has been used. */
export interface ReplayState {
  authReplayed: boolean;
}

/**
 * Whether a failed attempt is tried again, after how long, and why: a cancelled or
 * timed-out call stops; a 401 may be replayed once with fresh credentials; otherwise the
 * strategy decides, and a delay the body or the deadline cannot allow stops the call.
 * Synchronous when the strategy is, which spares a failure a promise.
 */
export function decideNext(
  call: Call,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
  replay: ReplayState,
  /** How long the failed attempt took (for a breaker's slow-call rule). */
  durationMs?: number,
): RetryVerdict | Promise<RetryVerdict> {
  const { control } = call;
  if (failure.kind === 'cancelled' || control.aborted)
    return { delayMs: null, reason: failure.kind === 'cancelled' ? 'cancelled' : 'deadline' };
  const { auth } = call.config;
  if (failure.kind === 'unauthorized' && auth !== undefined && !replay.authReplayed && call.body.replayable) {
    const answer = auth.replay({ attempt, failure, call, signal: control.signal }, scrubberOf(call));
    const afterReplay = (replayed: boolean): RetryVerdict | Promise<RetryVerdict> => {
      if (!replayed) return askStrategy(call, attempt, failure, previousDelayMs, durationMs);
      replay.authReplayed = true;
      return { delayMs: 0, reason: 'auth_refresh', delaySource: 'backoff' };
    };
    return typeof answer === 'boolean' ? afterReplay(answer) : answer.then(afterReplay);
  }
  return askStrategy(call, attempt, failure, previousDelayMs, durationMs);
}

function askStrategy(
  call: Call,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
  durationMs: number | undefined,
): RetryVerdict | Promise<RetryVerdict> {
  const { config, control, info } = call;
  const now = config.clock.now();
  const verdict = call.strategy.decide(
    {
      attempt,
      failure,
      method: call.method,
      url: info.url,
      upstream: info.upstream,
      route: info.route,
      ...(durationMs === undefined ? {} : { durationMs }),
      replayable: call.replayable,
      elapsedMs: now - info.startedAt,
      previousDelayMs,
      remainingMs: call.deadline - now,
      // Made on demand: most strategies never look at it.
      get signal() {
        return control.signal;
      },
    },
    scrubberOf(call),
  );
  return verdict instanceof Promise ? verdict.then((v) => withinLimits(call, v)) : withinLimits(call, verdict);
}

/** A delay is granted only for a body that can be sent again and within the deadline. */
function withinLimits(call: Call, verdict: RetryVerdict): RetryVerdict {
  if (verdict.delayMs === null) return verdict;
  if (!call.body.replayable) return { delayMs: null, reason: 'stream_body' };
  if (verdict.delayMs >= call.deadline - call.config.clock.now()) return { delayMs: null, reason: 'deadline' };
  return verdict;
}
