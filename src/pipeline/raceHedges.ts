import { streamOf } from '../transport/bufferWithDeadline.js';
import { MAX_TIMER_MS } from '../core/timerCeiling.js';
import type { Failure } from '../types/failure.js';
import type { HedgePlan, Permit } from '../types/policy.js';
import { isPermit } from '../policies/composeAdmission.js';
import { releasePlace } from './acquirePlace.js';
import type { AttemptOutcome, AttemptScope, HedgeMark } from '../types/observers.js';
import { AttemptLane } from './AttemptLane.js';
import { attemptOnce, type AttemptResult } from './attemptOnce.js';
import type { Call } from './prepareCall.js';
import { noop } from '../core/noop.js';

/** What a losing attempt is aborted with (it is told as `lost`, never as a failure). */
const LOST = new DOMException('Another attempt of the call answered first (hedging)', 'AbortError');

/**
 * One attempt, hedged: sent, and if it has not answered (response headers) after the
 * plan's delay, sent again in parallel (up to `maxHedges` times, each hedge admitted by
 * every policy's `beforeAttempt` through `admitHedge`: throttle, circuit, budget). The
 * first good answer wins and the other attempts are aborted; a failed attempt ends the
 * race only when no other is in flight, and that last failure is the race's (the policies
 * decide on it as on any attempt's).
 *
 * The result's `lastAttempt` and `hedges` are set when hedges were sent: attempts are
 * numbered on from `attempt`, so the policies' `attempt` counts every request sent. The
 * returned scope marks the attempt's part in the race; the losers' scopes are ended here,
 * when they settle.
 */
export function raceHedges(
  call: Call,
  attempt: number,
  plan: HedgePlan,
  admitHedge: (attempt: number) => Failure | Permit | undefined,
  /** The hedged attempt's place, when a limiting policy gave it one (each lane releases its own). */
  permit?: Permit,
): Promise<AttemptResult> {
  const { control } = call;
  const lanes: AttemptLane[] = [];
  const timer = new AbortController();
  let inFlight = 0;
  let settled = false;
  let resolveRace: (result: AttemptResult) => void = noop;

  const end = (lane: AttemptLane, result: AttemptResult, outcome: HedgeMark['outcome']): AttemptResult => {
    const hedges = lanes.length - 1;
    if (hedges === 0) return result;
    const mark: HedgeMark = { index: lane.index, outcome };
    return { ...result, scope: markedScope(result.scope, lane, mark), lastAttempt: attempt + hedges, hedges };
  };

  const finishRace = (result: AttemptResult): void => {
    settled = true;
    timer.abort();
    resolveRace(result);
  };

  const settleLane = (lane: AttemptLane, result: AttemptResult, held: Permit | undefined): void => {
    inFlight--;
    if (held !== undefined)
      releasePlace(
        held,
        result.failure,
        performance.now() - lane.startedAt,
        settled || lane.aborted ? true : undefined,
      );
    const body = streamOf(result.response);
    // A winner's body still streaming to the caller (Response mode) goes on through this
    // lane: it must keep following the call's abort and total deadline until it closes.
    if (!settled && result.failure === null && body !== undefined && !body.closed)
      body.once('close', () => lane.release());
    else lane.release();
    if (settled) {
      endLoser(lane, result);
      return;
    }
    if (result.failure === null) {
      for (const other of lanes) if (other !== lane) other.abort(LOST);
      plan.answered?.((lane.answeredAt || performance.now()) - (lanes[0]?.startedAt ?? 0));
      finishRace(end(lane, result, 'won'));
      return;
    }
    const { failure, response } = result;
    if (inFlight === 0) {
      finishRace(end(lane, result, 'failed'));
      return;
    }
    // Another attempt is still in flight: this one's failure is told, and the race goes on.
    result.scope?.end({
      attempt: lane.attempt,
      status: response?.statusCode,
      failure,
      durationMs: performance.now() - lane.startedAt,
      hedge: { index: lane.index, outcome: 'failed' },
    });
  };

  const launch = (held: Permit | undefined): void => {
    const lane = new AttemptLane(lanes.length, attempt + lanes.length, control);
    lanes.push(lane);
    inFlight++;
    void attemptOnce(call, lane.attempt, lane).then((result) => settleLane(lane, result, held));
  };

  const hedgeLater = (): void => {
    if (lanes.length > plan.maxHedges) return;
    // Longer than a timer can wait would be Node's 1 ms overflow: a hedge at once.
    const delayMs = Math.min(MAX_TIMER_MS, plan.delayMs);
    call.config.clock.sleep(delayMs, timer.signal).then(() => {
      if (settled || control.aborted || lanes.some((lane) => lane.answered)) return;
      const admitted = admitHedge(attempt + lanes.length);
      if (admitted !== undefined && !isPermit(admitted)) return;
      lanes[0]?.scope?.hedged?.();
      launch(admitted);
      hedgeLater();
    }, noop);
  };

  return new Promise<AttemptResult>((resolve) => {
    resolveRace = resolve;
    launch(permit);
    hedgeLater();
  });
}

/** A loser's end: its span ends unmarked as an error, its unread body is let go. */
function endLoser(lane: AttemptLane, result: AttemptResult): void {
  const body = streamOf(result.response);
  if (body !== undefined && !body.destroyed) body.on('error', noop).destroy();
  const outcome: AttemptOutcome = {
    attempt: lane.attempt,
    durationMs: performance.now() - lane.startedAt,
    hedge: { index: lane.index, outcome: 'lost' },
  };
  result.scope?.end(outcome);
}

/**
 * The scope of a raced attempt: its end tells its part in the race, its own duration and
 * its own number (the call goes on numbering from the race's last attempt).
 */
function markedScope(scope: AttemptScope | undefined, lane: AttemptLane, mark: HedgeMark): AttemptScope | undefined {
  if (scope === undefined) return undefined;
  return {
    run: (fn) => scope.run(fn),
    end: (outcome) =>
      scope.end({ ...outcome, attempt: lane.attempt, durationMs: performance.now() - lane.startedAt, hedge: mark }),
  };
}
