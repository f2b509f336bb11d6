import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { guardAuth } from '../../../src/auth/guardAuth.js';
import { type CallState, decideNext } from '../../../src/pipeline/decideNext.js';
import { type Call, prepareCall } from '../../../src/pipeline/prepareCall.js';
import type { AuthStrategy, UnauthorizedContext } from '../../../src/types/auth.js';
import type { RequestOptions } from '../../../src/types/client.js';
import type { Failure } from '../../../src/types/failure.js';
import type { FailedAttempt, Policy, Verdict } from '../../../src/types/policy.js';
import { type FakeClock, fakeClock } from '../../helpers/fakeClock.js';
import { pipelineConfig } from '../helpers/pipelineConfig.js';
import { type RecordingDiagnostics, recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

const serverError: Failure = { kind: 'server', code: '503', status: 503, message: 'HTTP 503' };
const unauthorized: Failure = { kind: 'unauthorized', code: '401', status: 401, message: 'HTTP 401' };
const cancelled: Failure = { kind: 'cancelled', code: 'AbortError', message: 'The caller aborted the request' };
const totalTimeout: Failure = { kind: 'timeout', code: 'TimeoutError', phase: 'total', message: 'deadline' };

/** A wait of `delayMs`, as a backoff gives it. */
const wait = (delayMs: number): Verdict => ({ delayMs, reason: 'backoff', delaySource: 'backoff' });
/** A stop of the policy's own. */
const STOP: Verdict = { delayMs: null, reason: 'gave_up' };

/** A policy whose afterFailure answers `decision` and keeps every failed attempt it was told. */
function answering(decision: Verdict | (() => unknown)): Policy & { contexts: FailedAttempt[] } {
  const contexts: FailedAttempt[] = [];
  return {
    name: 'answering',
    contexts,
    build: () => ({
      afterFailure(failed) {
        contexts.push(failed);
        return (typeof decision === 'function' ? decision() : decision) as Verdict;
      },
    }),
  };
}

/** An auth strategy whose onUnauthorized answers `answer`, counting the calls. */
function refreshing(answer: () => boolean | Promise<boolean>): AuthStrategy & { asked: UnauthorizedContext[] } {
  const asked: UnauthorizedContext[] = [];
  return {
    asked,
    apply: () => undefined,
    onUnauthorized(context) {
      asked.push(context);
      return answer();
    },
  };
}

interface Setup {
  readonly call: Call;
  readonly clock: FakeClock;
  readonly recorded: RecordingDiagnostics;
  readonly replay: CallState;
}

async function setup(
  t: TestContext,
  {
    policy,
    auth,
    timeoutMs = 0,
    method = 'GET',
    path = '/x',
    init,
  }: {
    policy: Policy;
    auth?: AuthStrategy;
    timeoutMs?: number;
    method?: string;
    path?: string;
    init?: RequestOptions;
  },
): Promise<Setup> {
  const clock = fakeClock();
  const recorded = recordingDiagnostics(clock.now);
  const { diagnostics } = recorded;
  const config = pipelineConfig('http://upstream.test', {
    clock,
    diagnostics,
    timeoutMs,
    auth: auth === undefined ? undefined : guardAuth(auth, diagnostics),
    policies: [policy],
  });
  const call = await prepareCall(config, method, path, init, 'response');
  t.after(() => call.control.finish());
  return { call, clock, recorded, replay: { authReplayed: false, waitedUntil: 0 } };
}

function sync(verdict: Verdict | Promise<Verdict>): Verdict {
  assert.ok(!(verdict instanceof Promise), 'expected a synchronous verdict');
  return verdict;
}

function async(verdict: Verdict | Promise<Verdict>): Promise<Verdict> {
  assert.ok(verdict instanceof Promise, 'expected a promise');
  return verdict;
}

const streamBody = (): RequestOptions => ({ body: Readable.from([Buffer.from('chunk')]) });

describe('decideNext', () => {
  describe('a call that cannot go on stops without asking anyone', () => {
    it('a cancelled failure stops with reason cancelled', async (t) => {
      const policy = answering(wait(100));
      const auth = refreshing(() => true);
      const { call, replay } = await setup(t, { policy, auth });
      assert.deepEqual(sync(decideNext(call, 1, cancelled, 0, replay)), { delayMs: null, reason: 'cancelled' });
      assert.equal(policy.contexts.length, 0);
      assert.equal(auth.asked.length, 0);
    });

    it('a control aborted by the total deadline stops with reason deadline', async (t) => {
      const policy = answering(wait(0));
      const { call, replay } = await setup(t, { policy, timeoutMs: 1000 });
      // What the deadline sweep calls once the total deadline has passed.
      call.control.expire();
      assert.equal(call.control.aborted, true);
      assert.deepEqual(sync(decideNext(call, 1, totalTimeout, 0, replay)), { delayMs: null, reason: 'deadline' });
      assert.equal(policy.contexts.length, 0);
    });

    it('a control aborted by the caller, with a failure of another kind, stops with reason deadline', async (t) => {
      const policy = answering(wait(0));
      const caller = new AbortController();
      const { call, replay } = await setup(t, { policy, init: { signal: caller.signal } });
      caller.abort();
      assert.deepEqual(sync(decideNext(call, 1, serverError, 0, replay)), { delayMs: null, reason: 'deadline' });
      assert.equal(policy.contexts.length, 0);
    });

    it('a cancelled 401 is not replayed', async (t) => {
      const auth = refreshing(() => true);
      const caller = new AbortController();
      const { call, replay } = await setup(t, { policy: answering(wait(0)), auth, init: { signal: caller.signal } });
      caller.abort();
      assert.equal(sync(decideNext(call, 1, unauthorized, 0, replay)).reason, 'deadline');
      assert.equal(auth.asked.length, 0);
    });
  });

  describe('401: one replay with fresh credentials', () => {
    it('an auth strategy that answers true gets auth_refresh once, then the policies decide', async (t) => {
      const policy = answering({ delayMs: null, reason: 'max_attempts' });
      const auth = refreshing(() => true);
      const { call, replay } = await setup(t, { policy, auth });
      assert.deepEqual(sync(decideNext(call, 1, unauthorized, 0, replay)), {
        delayMs: 0,
        reason: 'auth_refresh',
        delaySource: 'backoff',
      });
      assert.equal(replay.authReplayed, true);
      assert.equal(policy.contexts.length, 0);
      assert.deepEqual(sync(decideNext(call, 2, unauthorized, 0, replay)), { delayMs: null, reason: 'max_attempts' });
      assert.equal(auth.asked.length, 1);
      assert.equal(policy.contexts.length, 1);
    });

    it('the auth strategy is told the attempt, the failure, the call and a live signal', async (t) => {
      const auth = refreshing(() => true);
      const { call, replay } = await setup(t, { policy: answering(STOP), auth });
      decideNext(call, 3, unauthorized, 0, replay);
      const [context] = auth.asked;
      assert.ok(context);
      assert.equal(context.attempt, 3);
      assert.equal(context.failure, unauthorized);
      assert.equal(context.call, call);
      assert.equal(context.signal, call.control.signal);
      assert.equal(context.signal.aborted, false);
    });

    it('an async answer gives a promise of auth_refresh', async (t) => {
      const policy = answering(STOP);
      const { call, replay } = await setup(t, { policy, auth: refreshing(async () => true) });
      assert.deepEqual(await async(decideNext(call, 1, unauthorized, 0, replay)), {
        delayMs: 0,
        reason: 'auth_refresh',
        delaySource: 'backoff',
      });
      assert.equal(replay.authReplayed, true);
      assert.equal(policy.contexts.length, 0);
    });

    it('an auth strategy that answers false (sync or async) hands over to the policies, replay unused', async (t) => {
      for (const answer of [() => false, async () => false]) {
        const { call, replay } = await setup(t, { policy: answering(wait(250)), auth: refreshing(answer) });
        const verdict = await decideNext(call, 1, unauthorized, 0, replay);
        assert.deepEqual(verdict, wait(250));
        assert.equal(replay.authReplayed, false);
      }
    });

    it('a throwing onUnauthorized is reported and the policies decide', async (t) => {
      const policy = answering(STOP);
      const auth = refreshing(() => {
        throw new Error('token endpoint down');
      });
      const { call, replay, recorded } = await setup(t, { policy, auth });
      assert.deepEqual(sync(decideNext(call, 1, unauthorized, 0, replay)), STOP);
      assert.equal(policy.contexts.length, 1);
      assert.deepEqual(recorded.whats(), ['auth strategy (onUnauthorized)']);
    });

    it('an auth strategy without onUnauthorized, or no auth at all: the policies decide', async (t) => {
      for (const auth of [{ apply: () => undefined }, undefined]) {
        const policy = answering(STOP);
        const { call, replay } = await setup(t, auth === undefined ? { policy } : { policy, auth });
        assert.equal(sync(decideNext(call, 1, unauthorized, 0, replay)).reason, 'gave_up');
        assert.equal(policy.contexts.length, 1);
      }
    });

    it('a body that cannot be sent again is not replayed: the auth strategy is not asked', async (t) => {
      const auth = refreshing(() => true);
      const { call, replay } = await setup(t, { policy: answering(wait(0)), auth, method: 'PUT', init: streamBody() });
      assert.equal(call.body.replayable, false);
      assert.deepEqual(sync(decideNext(call, 1, unauthorized, 0, replay)), { delayMs: null, reason: 'stream_body' });
      assert.equal(auth.asked.length, 0);
      assert.equal(replay.authReplayed, false);
    });

    it('other failures never reach the auth strategy', async (t) => {
      const auth = refreshing(() => true);
      const { call, replay } = await setup(t, { policy: answering(STOP), auth });
      decideNext(call, 1, serverError, 0, replay);
      decideNext(call, 1, { kind: 'forbidden', code: '403', status: 403, message: 'HTTP 403' }, 0, replay);
      assert.equal(auth.asked.length, 0);
    });
  });

  describe('the policies decide, within the limits of the body and the deadline', () => {
    it('it is told the attempt, failure, method, redacted url, route, timings and a lazy signal', async (t) => {
      const policy = answering(STOP);
      const { call, replay, clock } = await setup(t, {
        policy,
        timeoutMs: 10_000,
        method: 'POST',
        path: '/orders?token=s3cr3t&page=1',
        init: { body: 'order' },
      });
      clock.advance(1500);
      replay.waitedUntil = 777;
      decideNext(call, 2, serverError, 300, replay, 42);
      const [context] = policy.contexts;
      assert.ok(context);
      const { signal, ...rest } = context;
      assert.deepEqual(rest, {
        attempt: 2,
        failure: serverError,
        method: 'POST',
        url: 'http://upstream.test/orders?token=REDACTED&page=1',
        upstream: 'upstream',
        route: '/orders',
        durationMs: 42,
        replayable: false,
        elapsedMs: 1500,
        previousDelayMs: 300,
        remainingMs: 8500,
        waitedUntil: 777,
      });
      assert.equal(signal, call.control.signal);
    });

    it("a call's own list decides instead of the client's", async (t) => {
      const clientPolicy = answering(wait(1));
      const callPolicy = answering({ delayMs: null, reason: 'call_list' });
      const { call, replay } = await setup(t, { policy: clientPolicy, init: { resilience: [callPolicy] } });
      assert.deepEqual(sync(decideNext(call, 1, serverError, 0, replay)), { delayMs: null, reason: 'call_list' });
      assert.equal(callPolicy.contexts.length, 1);
      assert.equal(clientPolicy.contexts.length, 0);
    });

    it('without a deadline, remainingMs is Infinity and any delay is granted', async (t) => {
      const policy = answering(wait(86_400_000));
      const { call, replay } = await setup(t, { policy });
      assert.equal(sync(decideNext(call, 1, serverError, 0, replay)).delayMs, 86_400_000);
      assert.equal(policy.contexts[0]?.remainingMs, Number.POSITIVE_INFINITY);
    });

    it('a delay that reaches the deadline stops with reason deadline; one that fits is granted', async (t) => {
      const verdict = (delayMs: number): Verdict => ({ delayMs, reason: 'backoff', delaySource: 'backoff' });
      for (const [delay, expected] of [
        [599, verdict(599)],
        [600, { delayMs: null, reason: 'deadline' }],
        [601, { delayMs: null, reason: 'deadline' }],
      ] as const) {
        const { call, replay, clock } = await setup(t, { policy: answering(verdict(delay)), timeoutMs: 1000 });
        clock.advance(400);
        assert.deepEqual(sync(decideNext(call, 1, serverError, 0, replay)), expected, `delay ${delay}`);
      }
    });

    it('an async verdict is held to the deadline too', async (t) => {
      const { call, replay } = await setup(t, { policy: answering(async () => wait(5000)), timeoutMs: 1000 });
      assert.deepEqual(await async(decideNext(call, 1, serverError, 0, replay)), { delayMs: null, reason: 'deadline' });
    });

    it('a stream body stops a retry with reason stream_body; a stop verdict is passed on as it is', async (t) => {
      const retrying = await setup(t, { policy: answering(wait(10)), init: streamBody() });
      assert.deepEqual(sync(decideNext(retrying.call, 1, serverError, 0, retrying.replay)), {
        delayMs: null,
        reason: 'stream_body',
      });
      const stopping = await setup(t, {
        policy: answering({ delayMs: null, reason: 'max_attempts' }),
        init: streamBody(),
      });
      assert.deepEqual(sync(decideNext(stopping.call, 1, serverError, 0, stopping.replay)), {
        delayMs: null,
        reason: 'max_attempts',
      });
    });

    it('a sync policy gives a sync verdict, an async one a promise', async (t) => {
      const syncCall = await setup(t, {
        policy: answering({ delayMs: 20, reason: 'retry_after', delaySource: 'server' }),
      });
      assert.deepEqual(sync(decideNext(syncCall.call, 1, serverError, 0, syncCall.replay)), {
        delayMs: 20,
        reason: 'retry_after',
        delaySource: 'server',
      });
      const asyncCall = await setup(t, { policy: answering(async () => wait(20)) });
      assert.deepEqual(await async(decideNext(asyncCall.call, 1, serverError, 0, asyncCall.replay)), wait(20));
    });

    it('a verdict with delayMs null is a stop; an answer outside the contract is the policy failing: reported, policy_error', async (t) => {
      for (const [decision, reason, reported] of [
        [{ delayMs: -1, reason: 'backoff' }, 'policy_error', 1],
        [{ delayMs: Number.NaN, reason: 'backoff' }, 'policy_error', 1],
        [{ delayMs: Number.POSITIVE_INFINITY, reason: 'backoff' }, 'policy_error', 1],
        [{ delayMs: 'soon', reason: 'backoff' }, 'policy_error', 1],
        [{ delayMs: 5, reason: 42 }, 'policy_error', 1],
        [{ delayMs: 5, reason: '' }, 'policy_error', 1],
        [{ delayMs: 5, reason: 'backoff', delaySource: 'elsewhere' }, 'policy_error', 1],
        // 0.1's strategies could answer a bare number of ms or null: outside the 0.2 contract.
        [250, 'policy_error', 1],
        [null, 'policy_error', 1],
        [undefined, 'policy_error', 1],
        [{ delayMs: null, reason: 'gave_up' }, 'gave_up', 0],
      ] as const) {
        const { call, replay, recorded } = await setup(t, { policy: answering(() => decision) });
        assert.deepEqual(sync(decideNext(call, 1, serverError, 0, replay)), { delayMs: null, reason });
        assert.equal(recorded.whats().length, reported);
      }
    });
  });

  describe('a failing policy stops the call with policy_error, reported without the call’s secrets', () => {
    const token = 'sk_live_0123456789abcdef';
    const secretHeaders: RequestOptions = { headers: { authorization: `Bearer ${token}` } };

    it('throwing: a sync verdict', async (t) => {
      const policy = answering(() => {
        throw new Error(`refused for ${token}`);
      });
      const { call, replay, recorded } = await setup(t, { policy, init: secretHeaders });
      assert.deepEqual(sync(decideNext(call, 1, serverError, 0, replay)), { delayMs: null, reason: 'policy_error' });
      assert.deepEqual(recorded.reports, [
        {
          message: 'faultline: answering (afterFailure) failed; the request goes on',
          meta: { error: 'Error: refused for REDACTED' },
        },
      ]);
    });

    it('rejecting: a promise of the same verdict', async (t) => {
      const policy = answering(() => Promise.reject(new Error(`refused for ${token}`)));
      const { call, replay, recorded } = await setup(t, { policy, init: secretHeaders });
      assert.deepEqual(await async(decideNext(call, 1, serverError, 0, replay)), {
        delayMs: null,
        reason: 'policy_error',
      });
      assert.deepEqual(recorded.whats(), ['answering (afterFailure)']);
      assert.equal(String(recorded.reports[0]?.meta['error']).includes(token), false);
    });
  });
});
