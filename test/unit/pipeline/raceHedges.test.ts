import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import type { ObserverFanout } from '../../../src/pipeline/observerFanout.js';
import { executeCall } from '../../../src/pipeline/executeCall.js';
import { prepareCall } from '../../../src/pipeline/prepareCall.js';
import { raceHedges } from '../../../src/pipeline/raceHedges.js';
import { hedge } from '../../../src/policies/hedging/hedge.js';
import { MAX_TIMER_MS } from '../../../src/core/timerCeiling.js';
import type { Transport, TransportRequest, TransportResponse } from '../../../src/transport/undiciTransport.js';
import type { Clock } from '../../../src/types/client.js';
import type { AttemptOutcome } from '../../../src/types/observers.js';
import type { FailedAttempt, HedgePlan, Policy, Verdict } from '../../../src/types/policy.js';
import type { Call } from '../../../src/pipeline/prepareCall.js';
import { pipelineConfig } from '../helpers/pipelineConfig.js';

/** A clock whose waits end only when the test says so. */
function manualClock(): Clock & { waits: number[]; fire(): void; pending(): number } {
  const queue: { resolve: () => void; done: boolean }[] = [];
  const waits: number[] = [];
  return {
    waits,
    now: () => 0,
    sleep(ms, signal) {
      waits.push(ms);
      return new Promise<void>((resolve, reject) => {
        const entry = { resolve, done: false };
        queue.push(entry);
        signal.addEventListener('abort', () => {
          entry.done = true;
          reject(signal.reason as Error);
        });
      });
    },
    fire() {
      const entry = queue.find((e) => !e.done);
      assert.ok(entry, 'no wait pending');
      entry.done = true;
      entry.resolve();
    },
    pending: () => queue.filter((e) => !e.done).length,
  };
}

interface Sent {
  readonly request: TransportRequest;
  aborted: boolean;
  answer(status: number): void;
}

function responseOf(status: number): TransportResponse {
  const body = Object.assign(Readable.from([]), {
    arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)),
    text: () => Promise.resolve(''),
  });
  return {
    statusCode: status,
    statusText: '',
    headers: { 'content-length': '0' },
    body,
  } as unknown as TransportResponse;
}

/** A transport whose requests are answered by the test; an abort rejects as undici does. */
function scriptedTransport(): Transport & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send(request) {
      return new Promise((resolve, reject) => {
        const entry: Sent = { request, aborted: false, answer: (status) => resolve(responseOf(status)) };
        const signal = request.signal as { once(event: 'abort', fn: () => void): unknown; reason: unknown };
        signal.once('abort', () => {
          entry.aborted = true;
          reject(signal.reason as Error);
        });
        sent.push(entry);
      });
    },
    close: () => Promise.resolve(),
  };
}

/** Observers that keep every attempt's outcome by attempt number. */
function recordingFanout(): ObserverFanout & { ended: Map<number, AttemptOutcome>; hedged: number[] } {
  const ended = new Map<number, AttemptOutcome>();
  const hedged: number[] = [];
  return {
    ended,
    hedged,
    attemptStarted: (_call, attempt) => ({
      run: (fn) => fn(),
      hedged: () => hedged.push(attempt),
      end: (outcome) => ended.set(attempt, outcome),
    }),
    callEnded: () => undefined,
  };
}

/** A policy that retries at once until `attempt` reaches `lastRetried`, keeping what it was told. */
function retryingUntil(lastRetried: number): Policy & { contexts: FailedAttempt[] } {
  const contexts: FailedAttempt[] = [];
  const immediately: Verdict = { delayMs: 0, reason: 'backoff', delaySource: 'backoff' };
  const stop: Verdict = { delayMs: null, reason: 'max_attempts' };
  return {
    name: 'retryingUntil',
    contexts,
    build: () => ({
      afterFailure(failed) {
        contexts.push(failed);
        return failed.attempt < lastRetried ? immediately : stop;
      },
    }),
  };
}

/** The plan the list's hedging policy gives for the call's first attempt, as executeCall asks it. */
function planOf(call: Call): HedgePlan {
  const { upstream, url, route } = call.info;
  const plan = call.resilience.hedge?.(
    { attempt: 1, method: call.method, url, upstream, route, waitedUntil: 0 },
    (text) => text,
  );
  assert.ok(plan, 'the hedging policy gave a plan');
  return plan;
}

async function setup(t: TestContext, policy: Policy = retryingUntil(0), hedging: Policy = hedge({ delayMs: 25 })) {
  const clock = manualClock();
  const transport = scriptedTransport();
  const fanout = recordingFanout();
  const config = pipelineConfig('http://upstream.test', { clock, transport, fanout, policies: [policy, hedging] });
  const call = await prepareCall(config, 'GET', '/x', undefined, 'response');
  t.after(() => call.control.finish());
  return { call, clock, transport, fanout, admit: () => undefined };
}

describe('raceHedges', () => {
  it('an attempt that answers before the delay wins alone: no hedge, the wait is cancelled', async (t) => {
    const { call, clock, transport, admit } = await setup(t);
    const race = raceHedges(call, 1, planOf(call), admit);
    await tick();
    assert.deepEqual(clock.waits, [25]);
    transport.sent[0]!.answer(200);
    const result = await race;
    assert.equal(result.failure, null);
    assert.equal(result.lastAttempt, undefined);
    assert.equal(transport.sent.length, 1);
    assert.equal(clock.pending(), 0);
  });

  it('a delay past the longest timer waits the longest timer, never Node’s 1 ms overflow', async (t) => {
    const { call, clock, transport, admit } = await setup(t, undefined, hedge({ delayMs: 3_000_000_000 }));
    const race = raceHedges(call, 1, planOf(call), admit);
    await tick();
    assert.deepEqual(clock.waits, [MAX_TIMER_MS]);
    transport.sent[0]!.answer(200);
    assert.equal((await race).failure, null);
  });

  it('a slow attempt is hedged after the delay; the first answer wins and the loser is aborted, told as lost', async (t) => {
    const { call, clock, transport, fanout, admit } = await setup(t);
    const race = raceHedges(call, 1, planOf(call), admit);
    await tick();
    clock.fire();
    await tick();
    assert.equal(transport.sent.length, 2, 'a hedge was sent');
    assert.notEqual(transport.sent[0]!.request.signal, transport.sent[1]!.request.signal, 'each attempt aborts alone');
    assert.deepEqual(fanout.hedged, [1]);
    transport.sent[1]!.answer(200);
    const result = await race;
    assert.equal(result.failure, null);
    assert.equal(result.response?.statusCode, 200);
    assert.equal(result.lastAttempt, 2);
    assert.equal(result.hedges, 1);
    assert.equal(transport.sent[0]!.aborted, true, 'the loser was aborted');
    assert.equal(call.control.aborted, false, 'the call was not');
    await tick();
    const lost = fanout.ended.get(1);
    assert.deepEqual(lost?.hedge, { index: 0, outcome: 'lost' });
    assert.equal(lost?.failure, undefined, 'a loser is not a failure');
    result.scope?.end({ attempt: 2, status: 200, durationMs: 0 });
    assert.deepEqual(fanout.ended.get(2)?.hedge, { index: 1, outcome: 'won' });
  });

  it('a failure while another attempt is in flight does not end the race', async (t) => {
    const { call, clock, transport, fanout, admit } = await setup(t);
    const race = raceHedges(call, 1, planOf(call), admit);
    await tick();
    clock.fire();
    await tick();
    transport.sent[0]!.answer(503);
    await tick();
    assert.equal(fanout.ended.get(1)?.failure?.kind, 'server');
    assert.deepEqual(fanout.ended.get(1)?.hedge, { index: 0, outcome: 'failed' });
    transport.sent[1]!.answer(200);
    const result = await race;
    assert.equal(result.failure, null);
    assert.equal(result.lastAttempt, 2);
  });

  it('the plan bounds the hedges (maxHedges) and hears the winner’s latency (answered)', async (t) => {
    const heard: number[] = [];
    const plan: HedgePlan = { delayMs: 25, maxHedges: 2, answered: (ms) => void heard.push(ms) };
    const { call, clock, transport, admit } = await setup(t);
    const race = raceHedges(call, 1, plan, admit);
    await tick();
    clock.fire();
    await tick();
    clock.fire();
    await tick();
    assert.equal(transport.sent.length, 3, 'two hedges');
    assert.equal(clock.pending(), 0, 'no third hedge is timed');
    assert.deepEqual(heard, [], 'nothing answered yet');
    transport.sent[2]!.answer(200);
    const result = await race;
    assert.equal(result.hedges, 2);
    assert.equal(result.lastAttempt, 3);
    assert.equal(heard.length, 1);
    assert.ok(heard[0]! >= 0);
    assert.equal(transport.sent[0]!.aborted && transport.sent[1]!.aborted, true, 'both losers aborted');
  });

  it('a refused hedge is not sent, and the race waits for its attempt', async (t) => {
    const { call, clock, transport } = await setup(t);
    const asked: number[] = [];
    const race = raceHedges(call, 1, planOf(call), (attempt) => {
      asked.push(attempt);
      return { kind: 'circuit_open', code: 'CIRCUIT_OPEN', message: 'open' };
    });
    await tick();
    clock.fire();
    await tick();
    assert.deepEqual(asked, [2]);
    assert.equal(transport.sent.length, 1);
    transport.sent[0]!.answer(200);
    assert.equal((await race).lastAttempt, undefined);
  });

  it('executeCall: when every attempt of a race fails, the last failure goes to the policies, numbered on', async (t) => {
    const policy = retryingUntil(3);
    const { contexts } = policy;
    const { call, clock, transport } = await setup(t, policy);
    const done = executeCall(call.config, 'GET', '/x', { throwHttpErrors: false }, 'response') as Promise<Response>;
    await tick();
    clock.fire();
    await tick();
    transport.sent[1]!.answer(502);
    await tick();
    assert.equal(contexts.length, 0, 'one failure with another attempt in flight: the policies are not asked');
    transport.sent[0]!.answer(503);
    await tick();
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0]!.attempt, 2);
    assert.equal(contexts[0]!.failure.code, '503');
    // The retry is attempt 3, hedged in its turn unless it answers first.
    transport.sent[2]!.answer(504);
    const response = await done;
    assert.equal(response.status, 504);
    assert.equal(contexts.length, 2);
    assert.equal(contexts[1]!.attempt, 3);
  });
  it('executeCall: the race’s last failure is told under its own attempt number, not the race’s last', async (t) => {
    const { call, clock, transport, fanout } = await setup(t, retryingUntil(3));
    const done = executeCall(call.config, 'GET', '/x', { throwHttpErrors: false }, 'response') as Promise<Response>;
    await tick();
    clock.fire();
    await tick();
    transport.sent[1]!.answer(502);
    await tick();
    transport.sent[0]!.answer(503);
    await tick();
    // Attempt 1 failed last: its retry is told as attempt 1's, attempt 2 kept its own.
    const first = fanout.ended.get(1);
    assert.equal(first?.attempt, 1);
    assert.equal(first?.status, 503);
    assert.equal(first?.retry?.delayMs, 0);
    assert.equal(fanout.ended.get(2)?.attempt, 2);
    assert.equal(fanout.ended.get(2)?.status, 502);
    transport.sent[2]!.answer(504);
    assert.equal((await done).status, 504);
  });
});
