import type { Failure } from '../types/failure.js';
import type { FailedAttempt, Verdict } from '../types/policy.js';
import { scrubberOf } from './callSecrets.js';
import type { Call } from './prepareCall.js';

/** What a call remembers across its attempts. */
export interface CallState {
  /** Whether the auth strategy's one replay has been used. */
  authReplayed: boolean;
  /** Until when (client clock) the call has waited at a server's request (a Retry-After of its own). */
  waitedUntil: number;
}

/**
 * Whether a failed attempt is tried again, after how long, and why: a cancelled or
 * timed-out call stops; a 401 may be replayed once with fresh credentials; otherwise the
 * policies decide, and a delay the body or the deadline cannot allow stops the call.
 * Synchronous when every policy is, which spares a failure a promise.
 */
export function decideNext(
  call: Call,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
  state: CallState,
  /** How long the failed attempt took (for a breaker's slow-call rule). */
  durationMs?: number,
): Verdict | Promise<Verdict> {
  const { control } = call;
  if (failure.kind === 'cancelled' || control.aborted)
    return { delayMs: null, reason: failure.kind === 'cancelled' ? 'cancelled' : 'deadline' };
  const { auth } = call.config;
  if (failure.kind === 'unauthorized' && auth !== undefined && !state.authReplayed && call.body.replayable) {
    const answer = auth.replay({ attempt, failure, call, signal: control.signal }, scrubberOf(call));
    const afterReplay = (replayed: boolean): Verdict | Promise<Verdict> => {
      if (!replayed) return askPolicies(call, attempt, failure, previousDelayMs, durationMs, state);
      state.authReplayed = true;
      return { delayMs: 0, reason: 'auth_refresh', delaySource: 'backoff' };
    };
    return typeof answer === 'boolean' ? afterReplay(answer) : answer.then(afterReplay);
  }
  return askPolicies(call, attempt, failure, previousDelayMs, durationMs, state);
}

function askPolicies(
  call: Call,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
  durationMs: number | undefined,
  state: CallState,
): Verdict | Promise<Verdict> {
  const { config, info } = call;
  const now = config.clock.now();
  const verdict = call.resilience.afterFailure(
    new FailedAttemptOf(
      call,
      attempt,
      failure,
      durationMs ?? 0,
      now - info.startedAt,
      previousDelayMs,
      call.deadline - now,
      state.waitedUntil,
    ),
    scrubberOf(call),
  );
  return verdict instanceof Promise ? verdict.then((v) => withinLimits(call, v)) : withinLimits(call, verdict);
}

/**
 * What the policies are told of a failed attempt. A class, not a literal: a literal with a
 * getter is built slowly every time (its accessor defined per object), and a storm builds
 * one per failure. The signal is made on demand: most policies never look at it.
 */
class FailedAttemptOf implements FailedAttempt {
  readonly method: string;
  readonly url: string;
  readonly upstream: string;
  readonly route: string;
  readonly replayable: boolean;
  readonly #control: Call['control'];

  constructor(
    call: Call,
    readonly attempt: number,
    readonly failure: Failure,
    readonly durationMs: number,
    readonly elapsedMs: number,
    readonly previousDelayMs: number,
    readonly remainingMs: number,
    readonly waitedUntil: number,
  ) {
    const { info } = call;
    this.method = call.method;
    this.url = info.url;
    this.upstream = info.upstream;
    this.route = info.route;
    this.replayable = call.replayable;
    this.#control = call.control;
  }

  get signal(): AbortSignal {
    return this.#control.signal;
  }
}

/** A delay is granted only for a body that can be sent again and within the deadline. */
function withinLimits(call: Call, verdict: Verdict): Verdict {
  if (verdict.delayMs === null) return verdict;
  if (!call.body.replayable) return { delayMs: null, reason: 'stream_body' };
  if (verdict.delayMs >= call.deadline - call.config.clock.now()) return { delayMs: null, reason: 'deadline' };
  return verdict;
}
