// The fallback decision, without a network: which kinds it answers for (never `cancelled`),
// a call's own list in place of the client's, the caller's abort, a throwing or rejecting
// fallback reported and given no answer, and the answer shaped for json() and Responses.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULTS } from '../../../src/core/defaults.js';
import { FAILURE_KINDS, type FailureKind } from '../../../src/core/failureKinds.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { deadlineSweep, type Deadline } from '../../../src/transport/deadlineSweep.js';
import { FALLBACK_HEADER, type FallbackAnswered, fallbackAnswer } from '../../../src/pipeline/fallbackAnswer.js';
import { FallbackLimit } from '../../../src/pipeline/FallbackLimit.js';
import type { PipelineConfig } from '../../../src/pipeline/PipelineConfig.js';
import { type Call, type CallMode, prepareCall } from '../../../src/pipeline/prepareCall.js';
import { fallback } from '../../../src/policies/fallback/fallback.js';
import type { FallbackContext, FallbackOptions } from '../../../src/policies/fallback/FallbackOptions.js';
import type { RequestOptions } from '../../../src/types/client.js';
import type { Failure } from '../../../src/types/failure.js';
import type { Policy } from '../../../src/types/policy.js';
import { pipelineConfig } from '../helpers/pipelineConfig.js';
import { type RecordingDiagnostics, recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

const failureOf = (kind: FailureKind): Failure => ({ kind, code: kind.toUpperCase(), message: `a ${kind} failure` });

interface Setup {
  readonly config: PipelineConfig;
  readonly recorded: RecordingDiagnostics;
  call(init?: RequestOptions, mode?: CallMode): Promise<Call>;
}

/** A client whose `resilience` list is `[fallback(clientFallback)]` (empty without one), and calls of it. */
function setup(t: TestContext, clientFallback?: FallbackOptions): Setup {
  const recorded = recordingDiagnostics();
  const { diagnostics } = recorded;
  const list: Policy[] = clientFallback === undefined ? [] : [fallback(clientFallback)];
  const config = pipelineConfig('http://upstream.test', { diagnostics, policies: list });
  return {
    config,
    recorded,
    async call(init, mode = 'json') {
      const call = await prepareCall(config, 'GET', '/v1/rates?token=s3cr3t-t0ken-value', init, mode);
      t.after(() => call.control.finish());
      return call;
    },
  };
}

/** The fallback in force for a call made with `init`, asked for an answer to `failure`. */
async function answerFor(
  s: Setup,
  failure: Failure,
  init?: RequestOptions,
  mode?: CallMode,
): Promise<FallbackAnswered | undefined> {
  const call = await s.call(init, mode);
  const { answer } = call.resilience;
  if (answer === undefined) return undefined;
  return fallbackAnswer(call, answer, failure, 2);
}

/** A call's own list with a fallback: hoisted, as a call's list is built once per array. */
const own = (options: FallbackOptions): RequestOptions => ({ resilience: [fallback(options)] });

describe('which failures a fallback answers', () => {
  it('by default the kinds that mean the upstream is unwell, and no others', async (t) => {
    const s = setup(t, { value: 'cached' });
    const answered: FailureKind[] = [];
    for (const kind of FAILURE_KINDS) if ((await answerFor(s, failureOf(kind))) !== undefined) answered.push(kind);
    assert.deepEqual(answered.sort(), ['circuit_open', 'load_shed', 'network', 'server', 'throttled', 'timeout']);
    assert.deepEqual([...DEFAULTS.fallbackOn].sort(), answered);
  });

  it('an answer function without `on` answers for the default kinds too', async (t) => {
    const s = setup(t, { answer: () => 'computed' });
    assert.deepEqual(await answerFor(s, failureOf('timeout')), { answer: 'computed' });
    assert.equal(await answerFor(s, failureOf('client')), undefined);
  });

  it('`on` names the kinds; `cancelled` is never answered, even when listed', async (t) => {
    const s = setup(t, { value: 'cached', on: ['invalid_response', 'cancelled', 'client'] });
    assert.deepEqual(await answerFor(s, failureOf('invalid_response')), { answer: 'cached' });
    assert.deepEqual(await answerFor(s, failureOf('client')), { answer: 'cached' });
    assert.equal(await answerFor(s, failureOf('cancelled')), undefined);
    assert.equal(await answerFor(s, failureOf('server')), undefined, 'the default kinds are replaced, not added to');
  });

  it('a caller who aborted gets no answer, and the function is not called', async (t) => {
    let called = 0;
    const s = setup(t, { answer: () => ++called });
    const caller = new AbortController();
    caller.abort();
    assert.equal(await answerFor(s, failureOf('server'), { signal: caller.signal }), undefined);
    assert.equal(called, 0);
    assert.deepEqual(s.recorded.reports, [], 'an abort is not the fallback failing');
  });
});

describe("a call's own list", () => {
  it("replaces the client's, its fallback's kinds included", async (t) => {
    const s = setup(t, { value: 'client', on: ['server'] });
    assert.deepEqual(await answerFor(s, failureOf('server')), { answer: 'client' });
    const init = own({ value: 'call', on: ['timeout'] });
    assert.deepEqual(await answerFor(s, failureOf('timeout'), init), { answer: 'call' });
    assert.equal(await answerFor(s, failureOf('server'), init), undefined);
  });

  it("a list without a fallback turns the client's off for the call; no list leaves it on", async (t) => {
    // 0.1's `fallback: false` on a call: 0.2 gives the call a list without it.
    const s = setup(t, { value: 'client' });
    assert.equal((await s.call({ resilience: [] })).resilience.answer, undefined);
    assert.equal(await answerFor(s, failureOf('server'), { resilience: [] }), undefined);
    for (const init of [{ resilience: undefined }, {}, undefined] as (RequestOptions | undefined)[]) {
      const call = await s.call(init);
      assert.equal(call.resilience, s.config.resilience);
      assert.notEqual(call.resilience.answer, undefined);
    }
  });

  it('answers for a client that has none', async (t) => {
    const s = setup(t);
    assert.equal((await s.call()).resilience.answer, undefined);
    assert.deepEqual(await answerFor(s, failureOf('network'), own({ value: false })), { answer: false });
  });

  it('a wrong option is a ConfigError naming it', () => {
    const wrong: unknown[] = [
      42,
      'cached',
      null,
      {},
      { value: 1, on: ['gone'] },
      { value: 1, on: 'server' },
      // 0.1's bare function form: 0.2 takes only { value } or { answer }.
      () => 'cached',
    ];
    for (const option of wrong) {
      assert.throws(
        () => fallback(option as FallbackOptions),
        (error: unknown) => error instanceof ConfigError && /^fallback/.test(error.variable),
        `fallback(${typeof option === 'function' ? 'a function' : JSON.stringify(option)})`,
      );
    }
    assert.throws(
      () => fallback({ answer: 'not a function' } as unknown as FallbackOptions),
      (error: unknown) => error instanceof ConfigError && error.variable === 'fallback.answer',
    );
  });
});

describe('what the function is told, and how it fails', () => {
  it('gets the failure and the call: redacted URL, route, attempts, mode, the caller’s signal', async (t) => {
    const seen: [Failure, FallbackContext][] = [];
    const s = setup(t, {
      answer: (failure, call) => {
        seen.push([failure, call]);
        return 'ok';
      },
    });
    const caller = new AbortController();
    await answerFor(s, failureOf('server'), { signal: caller.signal, route: '/v1/rates' }, 'response');
    const [failure, call] = seen[0]!;
    assert.equal(failure.kind, 'server');
    assert.equal(call.method, 'GET');
    assert.equal(call.upstream, 'upstream');
    assert.equal(call.route, '/v1/rates');
    assert.equal(call.attempts, 2);
    assert.equal(call.mode, 'response');
    assert.doesNotMatch(call.url, /s3cr3t/);
    assert.equal(call.signal.aborted, false);
    caller.abort();
    assert.equal(call.signal.aborted, true, 'the caller’s own signal');
  });

  it('a throwing function is reported (secrets scrubbed) and gives no answer', async (t) => {
    const s = setup(t, {
      answer: () => {
        throw new Error('cache down for /v1/rates?token=s3cr3t-t0ken-value');
      },
    });
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback (answer)']);
    assert.doesNotMatch(String(s.recorded.reports[0]?.meta['error']), /s3cr3t/);
  });

  it('a rejecting function is reported and gives no answer', async (t) => {
    const s = setup(t, { answer: () => Promise.reject(new Error('cache timeout')) });
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback (answer)']);
    assert.match(String(s.recorded.reports[0]?.meta['error']), /cache timeout/);
  });

  it('a sync answer is synchronous; an async one is awaited', async (t) => {
    const s = setup(t, { value: 1 });
    const constant = await s.call();
    const sync = fallbackAnswer(constant, constant.resilience.answer!, failureOf('server'), 1);
    assert.deepEqual(sync, { answer: 1 }, 'no promise for a constant');
    const later = await s.call(own({ answer: async () => 2 }));
    const pending = fallbackAnswer(later, later.resilience.answer!, failureOf('server'), 1);
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { answer: 2 });
  });

  it('an async fallback still pending when the caller aborts is not used, nor reported', async (t) => {
    let release: (value: string) => void = () => undefined;
    const s = setup(t, { answer: () => new Promise<string>((resolve) => (release = resolve)) });
    const caller = new AbortController();
    const pending = answerFor(s, failureOf('timeout'), { signal: caller.signal });
    await Promise.resolve();
    caller.abort();
    release('too late');
    assert.equal(await pending, undefined);
    assert.deepEqual(s.recorded.reports, []);
  });
});

describe('an async fallback that never settles', () => {
  it('is cut off at the call’s total timeout: no answer, reported, its signal aborted, nothing left armed', async (t) => {
    // The process's deadline sweep, on a clock the test moves and an interval it ticks.
    let now = 0;
    t.mock.method(deadlineSweep, 'now', () => now);
    t.mock.timers.enable({ apis: ['setInterval'] });
    let seen: AbortSignal | undefined;
    const s = setup(t, {
      answer: (_failure, call) => {
        seen = call.signal;
        return new Promise<never>(() => undefined);
      },
    });
    const call = await s.call({ timeout: { totalMs: 1000 } });
    call.control.finish();
    const pending = fallbackAnswer(call, call.resilience.answer!, failureOf('timeout'), 1);
    assert.ok(pending instanceof Promise);
    let settled: unknown = 'pending';
    void pending.then((value) => (settled = value));
    now = 999;
    t.mock.timers.tick(10);
    await Promise.resolve();
    assert.equal(settled, 'pending', 'not before its limit');
    assert.equal(seen?.aborted, false);
    now = 1000;
    t.mock.timers.tick(10);
    assert.equal(await pending, undefined);
    assert.equal(seen?.aborted, true, 'the signal it was handed aborts, so its I/O stops');
    assert.deepEqual(s.recorded.whats(), ['fallback (answer)']);
    assert.match(String(s.recorded.reports[0]?.meta['error']), /did not answer within 1000 ms/);
    assert.equal(deadlineSweep.size, 0);
  });

  it('the limit is the call’s total timeout; a call without one leaves it unbounded', async (t) => {
    t.mock.method(deadlineSweep, 'now', () => 0);
    const limits: number[] = [];
    const arm = deadlineSweep.arm.bind(deadlineSweep);
    t.mock.method(deadlineSweep, 'arm', (deadline: Deadline) => {
      if (deadline instanceof FallbackLimit) limits.push(deadline.expiresAt);
      arm(deadline);
    });
    const s = setup(t, { answer: () => new Promise<never>(() => undefined) });
    for (const totalMs of [2500, 0]) {
      const caller = new AbortController();
      const call = await s.call({ timeout: { totalMs }, signal: caller.signal });
      const pending = fallbackAnswer(call, call.resilience.answer!, failureOf('server'), 1);
      caller.abort();
      assert.equal(await pending, undefined);
    }
    assert.deepEqual(limits, [2500]);
    assert.deepEqual(s.recorded.reports, [], 'a caller who gave up is not the fallback failing');
  });

  it('FallbackLimit: the caller’s abort ends the wait at once and disarms it', async (t) => {
    t.mock.method(deadlineSweep, 'now', () => 0);
    const caller = new AbortController();
    const limit = new FallbackLimit(caller.signal, 1000, deadlineSweep);
    const waiting = limit.wait(new Promise<never>(() => undefined));
    assert.equal(deadlineSweep.size > 0, true);
    caller.abort(new Error('caller left'));
    await assert.rejects(waiting, /caller left/);
    assert.equal(limit.signal.aborted, true);
    assert.equal(deadlineSweep.size, 0);
  });
});

describe('the answer in each mode', () => {
  it('json(): the value as it is; a Response returned is parsed', async (t) => {
    const value = { rates: [1, 2] };
    const s = setup(t, { value });
    assert.equal((await answerFor(s, failureOf('server')))?.answer, value);
    const parsed = await answerFor(s, failureOf('server'), own({ answer: () => new Response('{"from":"response"}') }));
    assert.deepEqual(parsed, { answer: { from: 'response' } });
  });

  it('json(): a Response whose body is not JSON is reported and gives no answer', async (t) => {
    const s = setup(t, { answer: () => new Response('not json') });
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback (answer)']);
  });

  it('Response mode: a value becomes a 200 JSON Response marked as the fallback’s, with the call’s URL', async (t) => {
    const s = setup(t, { value: { rates: [1, 2] } });
    const answered = await answerFor(s, failureOf('server'), undefined, 'response');
    const response = answered?.answer as Response;
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get(FALLBACK_HEADER), 'true');
    assert.equal(response.url, 'http://upstream.test/v1/rates?token=s3cr3t-t0ken-value');
    assert.deepEqual(await response.json(), { rates: [1, 2] });
  });

  it('Response mode: a Response returned is handed over as it is; one given as a value is cloned per call', async (t) => {
    const given = new Response('teapot', { status: 418 });
    const s = setup(t, { answer: () => given });
    assert.equal((await answerFor(s, failureOf('server'), undefined, 'response'))?.answer, given);
    const constant = setup(t, { value: new Response('same body') });
    for (let i = 0; i < 2; i++) {
      const response = (await answerFor(constant, failureOf('server'), undefined, 'response'))?.answer as Response;
      assert.equal(await response.text(), 'same body');
    }
  });

  it('Response mode: a Response given as a value costs no memory per call (no chain of clones)', async (t) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const constant = setup(t, { value: Response.json({ rates: 'r'.repeat(10_000) }, { status: 203 }) });
    const call = await constant.call(undefined, 'response');
    const answer = call.resilience.answer!;
    const answerOnce = async () => {
      const response = (await fallbackAnswer(call, answer, failureOf('server'), 1))?.answer as Response;
      assert.equal(response.status, 203);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.equal(((await response.json()) as { rates: string }).rates.length, 10_000);
    };
    await answerOnce();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) await answerOnce();
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    // Cloned per call, the given Response held every copy: 2,000 answers kept ~11 MB alive.
    assert.ok(grownMb < 4, `the heap grew by ${grownMb.toFixed(1)} MB over 2,000 answers`);
  });

  it('Response mode: a value JSON cannot write is reported and gives no answer', async (t) => {
    const s = setup(t, { value: { big: 1n } });
    assert.equal(await answerFor(s, failureOf('server'), undefined, 'response'), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback (answer)']);
  });
});
