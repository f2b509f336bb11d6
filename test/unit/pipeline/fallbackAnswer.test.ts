// The fallback decision, without a network: which kinds it answers for (never `cancelled`),
// a call's option in place of the client's, the caller's abort, a throwing or rejecting
// fallback reported and given no answer, and the answer shaped for json() and Responses.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULTS } from '../../../src/core/defaults.js';
import { FAILURE_KINDS, type FailureKind } from '../../../src/core/failureKinds.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { type GuardedFallback, guardFallback, NO_ANSWER } from '../../../src/guarded/guardFallback.js';
import { DeadlineSweep } from '../../../src/transport/deadlineSweep.js';
import {
  FALLBACK_HEADER,
  type FallbackAnswered,
  fallbackAnswer,
  fallbackOf,
} from '../../../src/pipeline/fallbackAnswer.js';
import type { PipelineConfig } from '../../../src/pipeline/PipelineConfig.js';
import { type Call, type CallMode, prepareCall } from '../../../src/pipeline/prepareCall.js';
import { fallbackPolicy } from '../../../src/policies/fallbackPolicy.js';
import type { RequestOptions } from '../../../src/types/client.js';
import type { Fallback, FallbackContext } from '../../../src/types/fallback.js';
import type { Failure } from '../../../src/types/failure.js';
import { pipelineConfig } from '../helpers/pipelineConfig.js';
import { type RecordingDiagnostics, recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

const failureOf = (kind: FailureKind): Failure => ({ kind, code: kind.toUpperCase(), message: `a ${kind} failure` });

interface Setup {
  readonly config: PipelineConfig;
  readonly recorded: RecordingDiagnostics;
  call(init?: RequestOptions, mode?: CallMode): Promise<Call>;
}

/** A client whose `fallback` option is `clientFallback`, and calls of it. */
function setup(t: TestContext, clientFallback?: Fallback): Setup {
  const recorded = recordingDiagnostics();
  const { diagnostics } = recorded;
  const policy = clientFallback === undefined ? undefined : fallbackPolicy(clientFallback);
  const config = pipelineConfig('http://upstream.test', {
    diagnostics,
    fallback: policy === undefined ? undefined : guardFallback(policy, diagnostics),
  });
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

/** The fallback in force for `init`, asked for an answer to `failure`. */
async function answerFor(
  s: Setup,
  failure: Failure,
  init?: RequestOptions,
  mode?: CallMode,
): Promise<FallbackAnswered | undefined> {
  const fallback = fallbackOf(s.config, init);
  if (fallback === undefined) return undefined;
  return fallbackAnswer(await s.call(init, mode), fallback, failure, 2);
}

describe('which failures a fallback answers', () => {
  it('by default the kinds that mean the upstream is unwell, and no others', async (t) => {
    const s = setup(t, { value: 'cached' });
    const answered: FailureKind[] = [];
    for (const kind of FAILURE_KINDS) if ((await answerFor(s, failureOf(kind))) !== undefined) answered.push(kind);
    assert.deepEqual(answered.sort(), ['circuit_open', 'network', 'server', 'throttled', 'timeout']);
    assert.deepEqual([...DEFAULTS.fallbackOn].sort(), answered);
  });

  it('a function alone answers for the default kinds too', async (t) => {
    const s = setup(t, () => 'computed');
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
    const s = setup(t, () => ++called);
    const caller = new AbortController();
    caller.abort();
    assert.equal(await answerFor(s, failureOf('server'), { signal: caller.signal }), undefined);
    assert.equal(called, 0);
    assert.deepEqual(s.recorded.reports, [], 'an abort is not the fallback failing');
  });
});

describe("a call's own fallback", () => {
  it("replaces the client's, its kinds included", async (t) => {
    const s = setup(t, { value: 'client', on: ['server'] });
    assert.deepEqual(await answerFor(s, failureOf('server')), { answer: 'client' });
    const own: RequestOptions = { fallback: { value: 'call', on: ['timeout'] } };
    assert.deepEqual(await answerFor(s, failureOf('timeout'), own), { answer: 'call' });
    assert.equal(await answerFor(s, failureOf('server'), own), undefined);
  });

  it("false turns the client's off for the call; undefined leaves it on", async (t) => {
    const s = setup(t, { value: 'client' });
    assert.equal(fallbackOf(s.config, { fallback: false }), undefined);
    assert.equal(fallbackOf(s.config, { fallback: undefined }), s.config.fallback);
    assert.equal(fallbackOf(s.config, {}), s.config.fallback);
    assert.equal(fallbackOf(s.config, undefined), s.config.fallback);
  });

  it('answers for a client that has none', async (t) => {
    const s = setup(t);
    assert.equal(fallbackOf(s.config, undefined), undefined);
    assert.deepEqual(await answerFor(s, failureOf('network'), { fallback: { value: false } }), { answer: false });
  });

  it('a wrong option is a ConfigError naming it', (t) => {
    const s = setup(t);
    const wrong: unknown[] = [42, 'cached', null, {}, { value: 1, on: ['gone'] }, { value: 1, on: 'server' }];
    for (const option of wrong) {
      assert.throws(
        () => fallbackOf(s.config, { fallback: option as Fallback }),
        (error: unknown) => error instanceof ConfigError && /^fallback/.test(error.variable),
        `fallback: ${JSON.stringify(option)}`,
      );
    }
    assert.throws(
      () => fallbackOf(s.config, { fallback: { answer: 'not a function' } as unknown as Fallback }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'fallback.answer',
    );
  });
});

describe('what the function is told, and how it fails', () => {
  it('gets the failure and the call: redacted URL, route, attempts, mode, the caller’s signal', async (t) => {
    const seen: [Failure, FallbackContext][] = [];
    const s = setup(t, (failure, call) => {
      seen.push([failure, call]);
      return 'ok';
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
    const s = setup(t, () => {
      throw new Error('cache down for /v1/rates?token=s3cr3t-t0ken-value');
    });
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback']);
    assert.doesNotMatch(String(s.recorded.reports[0]?.meta['error']), /s3cr3t/);
  });

  it('a rejecting function is reported and gives no answer', async (t) => {
    const s = setup(t, () => Promise.reject(new Error('cache timeout')));
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback']);
    assert.match(String(s.recorded.reports[0]?.meta['error']), /cache timeout/);
  });

  it('a sync answer is synchronous; an async one is awaited', async (t) => {
    const s = setup(t, { value: 1 });
    const fallback = fallbackOf(s.config, undefined)!;
    const sync = fallbackAnswer(await s.call(), fallback, failureOf('server'), 1);
    assert.deepEqual(sync, { answer: 1 }, 'no promise for a constant');
    const later = fallbackOf(s.config, { fallback: async () => 2 })!;
    const pending = fallbackAnswer(await s.call(), later, failureOf('server'), 1);
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { answer: 2 });
  });

  it('an async fallback still pending when the caller aborts is not used, nor reported', async (t) => {
    let release: (value: string) => void = () => undefined;
    const s = setup(t, () => new Promise<string>((resolve) => (release = resolve)));
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
  const context = { method: 'GET', url: 'http://upstream.test/', upstream: 'u', route: '/', attempts: 1 } as const;

  it('is cut off at its limit: no answer, reported, its signal aborted, nothing left armed', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let now = 0;
    const sweep = new DeadlineSweep({ now: () => now, intervalMs: 10 });
    const recorded = recordingDiagnostics();
    let seen: AbortSignal | undefined;
    const policy = fallbackPolicy((_failure, call) => {
      seen = call.signal;
      return new Promise<never>(() => undefined);
    })!;
    const guarded = guardFallback(policy, recorded.diagnostics, sweep);
    const pending = guarded.answer(failureOf('timeout'), { ...context, mode: 'json' }, String, undefined, 1000);
    assert.ok(pending instanceof Promise);
    let settled: unknown = 'pending';
    void pending.then((value) => (settled = value));
    now = 999;
    t.mock.timers.tick(10);
    await Promise.resolve();
    assert.equal(settled, 'pending', 'not before its limit');
    now = 1000;
    t.mock.timers.tick(10);
    assert.equal(await pending, NO_ANSWER);
    assert.equal(seen?.aborted, true, 'the signal it was handed aborts, so its I/O stops');
    assert.deepEqual(recorded.whats(), ['fallback']);
    assert.match(String(recorded.reports[0]?.meta['error']), /did not answer within 1000 ms/);
    assert.equal(sweep.size, 0);
  });

  it('the limit is the call’s total timeout; a call without one leaves it unbounded', async (t) => {
    const limits: number[] = [];
    const s = setup(t);
    const recordLimit: GuardedFallback = {
      kinds: new Set(['server']),
      answer: (_failure, _context, _scrub, _signal, limitMs) => limits.push(limitMs),
    };
    await fallbackAnswer(await s.call({ timeoutMs: 2500 }), recordLimit, failureOf('server'), 1);
    await fallbackAnswer(await s.call({ timeoutMs: 0 }), recordLimit, failureOf('server'), 1);
    assert.deepEqual(limits, [2500, Number.POSITIVE_INFINITY]);
  });
});

describe('the answer in each mode', () => {
  it('json(): the value as it is; a Response returned is parsed', async (t) => {
    const value = { rates: [1, 2] };
    const s = setup(t, { value });
    assert.equal((await answerFor(s, failureOf('server')))?.answer, value);
    const parsed = await answerFor(s, failureOf('server'), { fallback: () => new Response('{"from":"response"}') });
    assert.deepEqual(parsed, { answer: { from: 'response' } });
  });

  it('json(): a Response whose body is not JSON is reported and gives no answer', async (t) => {
    const s = setup(t, () => new Response('not json'));
    assert.equal(await answerFor(s, failureOf('server')), undefined);
    assert.deepEqual(s.recorded.whats(), ['fallback']);
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
    const own = new Response('teapot', { status: 418 });
    const s = setup(t, () => own);
    assert.equal((await answerFor(s, failureOf('server'), undefined, 'response'))?.answer, own);
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
    const fallback = fallbackOf(constant.config, undefined)!;
    const answerOnce = async () => {
      const response = (await fallbackAnswer(call, fallback, failureOf('server'), 1))?.answer as Response;
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
    assert.deepEqual(s.recorded.whats(), ['fallback']);
  });
});
