// The resilience contract as composePolicies keeps it: the fold of afterFailure verdicts
// (outermost first, from `no_retry`), retry deciding only when nothing has, and every hook
// of a hostile policy guarded: reported under `<name> (<hook>)`, never thrown into a call.
// (0.1: strategyChain, guardStrategy, guardHedge, guardFallback.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { type AnswerTime, composePolicies, type Resilience } from '../../../src/policies/composePolicies.js';
import { circuitBreaker, fallback, hedge, retry, retryBudget, throttle } from '../../../src/index.js';
import { setImmediate as tick } from 'node:timers/promises';
import type { Failure } from '../../../src/types/failure.js';
import {
  type AdmissionRequest,
  type AttemptEnd,
  type FailedCall,
  type Permit,
  type Policy,
  type PolicyHooks,
  UNDECIDED,
  type Verdict,
} from '../../../src/types/policy.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type RecordingDiagnostics, recordingDiagnostics } from '../helpers/recordingDiagnostics.js';
import { attemptInfo, failedAttempt, serverError, succeededAttempt } from './policyHarness.js';

const backoff = (delayMs: number): Verdict => ({ delayMs, reason: 'backoff', delaySource: 'backoff' });
const scrub = (text: string): string => text.replaceAll('s3cr3t', 'REDACTED');

function compose(list: readonly Policy[]): { resilience: Resilience; recorded: RecordingDiagnostics } {
  const recorded = recordingDiagnostics();
  const resilience = composePolicies(list, {
    upstream: 'upstream',
    clock: fakeClock(0),
    diagnostics: recorded.diagnostics,
  });
  return { resilience, recorded };
}

/** A policy of the user's own with the given hooks. */
const policy = (name: string, hooks: PolicyHooks): Policy => ({ name, build: () => hooks });

/** A policy whose afterFailure keeps the verdict it was given and answers `answer(given)`. */
function listening(name: string, answer: (given: Verdict) => Verdict = (given) => given) {
  const given: Verdict[] = [];
  return {
    given,
    policy: policy(name, {
      afterFailure: (_failed, verdict) => {
        given.push(verdict);
        return answer(verdict);
      },
    }),
  };
}

function sync(verdict: Verdict | Promise<Verdict>): Verdict {
  assert.ok(!(verdict instanceof Promise), 'a synchronous verdict');
  return verdict;
}

const failedCall = (overrides: Partial<FailedCall> = {}): FailedCall => ({
  failure: serverError,
  method: 'GET',
  url: 'http://upstream.test/x',
  upstream: 'upstream',
  route: '/x',
  attempts: 1,
  mode: 'json',
  signal: new AbortController().signal,
  ...overrides,
});

describe('the fold of afterFailure verdicts', () => {
  it('starts from no_retry and goes outermost first, each policy given the verdict of those outside it', () => {
    const outer = listening('outer', () => backoff(10));
    const middle = listening('middle', (given) => ({ ...given, reason: 'middle_saw_it' }));
    const inner = listening('inner');
    const { resilience } = compose([outer.policy, middle.policy, inner.policy]);
    assert.deepEqual(sync(resilience.afterFailure(failedAttempt(), scrub)), {
      ...backoff(10),
      reason: 'middle_saw_it',
    });
    assert.equal(outer.given[0], UNDECIDED, 'the outermost is given the start itself');
    assert.deepEqual(UNDECIDED, { delayMs: null, reason: 'no_retry' });
    assert.deepEqual(middle.given, [backoff(10)]);
    assert.deepEqual(inner.given, [{ ...backoff(10), reason: 'middle_saw_it' }]);
    assert.deepEqual(resilience.names, ['outer', 'middle', 'inner']);
  });

  it('an empty list stops every failure with no_retry (0.1: noRetry())', () => {
    const { resilience } = compose([]);
    assert.equal(sync(resilience.afterFailure(failedAttempt(), scrub)), UNDECIDED);
    assert.equal(resilience.beforeAttempt(attemptInfo(), scrub), undefined);
    assert.equal(resilience.onSuccess, undefined);
    assert.equal(resilience.hedge, undefined);
    assert.equal(resilience.answer, undefined);
  });

  it('retry decides only on UNDECIDED: a stop given by a policy outside it stands', () => {
    const stopping = policy('stopping', { afterFailure: () => ({ delayMs: null, reason: 'closed_for_the_night' }) });
    const { resilience } = compose([stopping, retry({ jitter: 'none' })]);
    assert.deepEqual(sync(resilience.afterFailure(failedAttempt(), scrub)), {
      delayMs: null,
      reason: 'closed_for_the_night',
    });
    const passing = compose([listening('passing').policy, retry({ jitter: 'none' })]).resilience;
    assert.deepEqual(
      sync(passing.afterFailure(failedAttempt(), scrub)),
      backoff(200),
      'a pass-through leaves it to retry',
    );
  });

  it('a policy after retry may turn its wait into a stop: the retry budget, the breaker', () => {
    const budget = compose([retry({ jitter: 'none' }), retryBudget({ ratio: 0, minRetriesPerSecond: 0.1 })]).resilience;
    assert.deepEqual(sync(budget.afterFailure(failedAttempt(), scrub)), backoff(200));
    assert.deepEqual(sync(budget.afterFailure(failedAttempt(), scrub)), {
      delayMs: null,
      reason: 'retry_budget_exhausted',
    });
    const breaker = compose([retry({ jitter: 'none' }), circuitBreaker({ failureThreshold: 1 })]).resilience;
    assert.deepEqual(sync(breaker.afterFailure(failedAttempt(), scrub)), { delayMs: null, reason: 'circuit_opened' });
  });

  it('an async policy makes the fold a promise from there on; the inner policies still decide after it', async () => {
    const inner = listening('inner', () => ({ delayMs: null, reason: 'inner_stop' }));
    const slow = policy('slow', { afterFailure: async () => backoff(5) });
    const { resilience } = compose([slow, inner.policy]);
    const verdict = resilience.afterFailure(failedAttempt(), scrub);
    assert.ok(verdict instanceof Promise);
    assert.deepEqual(await verdict, { delayMs: null, reason: 'inner_stop' });
    assert.deepEqual(inner.given, [backoff(5)]);
  });

  it('beforeAttempt: the outermost refusal wins and the policies inside it are not asked', () => {
    const asked: string[] = [];
    const refusing = (name: string): Policy =>
      policy(name, {
        beforeAttempt: () => {
          asked.push(name);
          return { kind: 'circuit_open', code: name, message: `${name} refused` };
        },
      });
    const { resilience } = compose([policy('quiet', { beforeAttempt: () => undefined }), refusing('a'), refusing('b')]);
    assert.equal(resilience.beforeAttempt(attemptInfo(), scrub)?.code, 'a');
    assert.deepEqual(asked, ['a']);
  });
});

describe('a hostile policy', () => {
  const token = 'Bearer s3cr3t';

  it('an afterFailure that throws stops the call with policy_error, reported (scrubbed), inner policies unasked', () => {
    const inner = listening('inner');
    const hostile = policy('hostile', {
      afterFailure: () => {
        throw new Error(`refused ${token}`);
      },
    });
    const { resilience, recorded } = compose([hostile, inner.policy]);
    assert.deepEqual(sync(resilience.afterFailure(failedAttempt(), scrub)), { delayMs: null, reason: 'policy_error' });
    assert.deepEqual(inner.given, []);
    assert.deepEqual(recorded.reports, [
      {
        message: 'faultline: hostile (afterFailure) failed; the request goes on',
        meta: { error: 'Error: refused Bearer REDACTED' },
      },
    ]);
  });

  it('an afterFailure answering garbage is a breach: policy_error, reported once', () => {
    for (const garbage of [undefined, null, 42, 'soon', {}, { delayMs: 5 }, { delayMs: -5, reason: 'x' }, [1]]) {
      const { resilience, recorded } = compose([policy('hostile', { afterFailure: () => garbage as Verdict })]);
      assert.deepEqual(sync(resilience.afterFailure(failedAttempt(), scrub)), {
        delayMs: null,
        reason: 'policy_error',
      });
      assert.deepEqual(recorded.whats(), ['hostile (afterFailure)'], JSON.stringify(garbage));
      assert.match(String(recorded.reports[0]?.meta['error']), /expected \{ delayMs/);
    }
  });

  it('an async afterFailure that rejects, or resolves to garbage, gives policy_error', async () => {
    for (const afterFailure of [
      () => Promise.reject(new Error('async refusal')),
      () => Promise.resolve(7 as unknown as Verdict),
    ]) {
      const inner = listening('inner');
      const { resilience, recorded } = compose([policy('hostile', { afterFailure }), inner.policy]);
      const verdict = resilience.afterFailure(failedAttempt(), scrub);
      assert.ok(verdict instanceof Promise);
      assert.deepEqual(await verdict, { delayMs: null, reason: 'policy_error' });
      assert.deepEqual(recorded.whats(), ['hostile (afterFailure)']);
      assert.deepEqual(inner.given, []);
    }
  });

  it('an async afterFailure cut short by the deadline or the caller stops with deadline, unreported', async () => {
    const controller = new AbortController();
    const { resilience, recorded } = compose([
      policy('hostile', { afterFailure: () => new Promise<Verdict>(() => undefined) }),
    ]);
    const verdict = resilience.afterFailure(failedAttempt({ signal: controller.signal }), scrub);
    controller.abort();
    assert.deepEqual(await verdict, { delayMs: null, reason: 'deadline' });
    assert.deepEqual(recorded.reports, []);
  });

  it('a beforeAttempt that throws or answers garbage is reported and the attempt goes on; the next policy is asked', () => {
    const asked: number[] = [];
    const next = policy('next', { beforeAttempt: (a) => void asked.push(a.attempt) });
    const throwing = policy('throwing', {
      beforeAttempt: () => {
        throw new Error('boom');
      },
    });
    const garbage = policy('garbage', { beforeAttempt: () => ({ kind: 'no such kind' }) as never });
    const { resilience, recorded } = compose([throwing, garbage, next]);
    assert.equal(resilience.beforeAttempt(attemptInfo(), scrub), undefined);
    assert.deepEqual(asked, [1]);
    assert.deepEqual(recorded.whats(), ['throwing (beforeAttempt)', 'garbage (beforeAttempt)']);
  });

  it('an onSuccess that throws is reported; the other policies still hear the success', () => {
    const heard: number[] = [];
    const throwing = policy('throwing', {
      onSuccess: () => {
        throw new Error('boom');
      },
    });
    const { resilience, recorded } = compose([
      throwing,
      policy('listening', { onSuccess: (s) => void heard.push(s.status) }),
    ]);
    resilience.onSuccess?.(succeededAttempt(), scrub);
    assert.deepEqual(heard, [200]);
    assert.deepEqual(recorded.whats(), ['throwing (onSuccess)']);
  });

  it('a hedge hook that throws or gives a plan outside the contract is reported: no hedging', () => {
    const cases: NonNullable<PolicyHooks['hedge']>[] = [
      () => {
        throw new Error('boom');
      },
      () => ({ delayMs: -1, maxHedges: 1 }),
      () => ({ delayMs: 10, maxHedges: 1.5 }),
      () => 'soon' as never,
    ];
    for (const hedgeHook of cases) {
      const { resilience, recorded } = compose([policy('hostile', { hedge: hedgeHook })]);
      assert.equal(resilience.hedge?.(attemptInfo(), scrub), undefined);
      assert.deepEqual(recorded.whats(), ['hostile (hedge)']);
    }
  });

  it('a plan whose answered throws is reported, never thrown into the race; one guarded plan per plan given', () => {
    let delayMs = 20;
    const plan = {
      get delayMs() {
        return delayMs;
      },
      maxHedges: 2,
      answered(): void {
        throw new Error('answered exploded');
      },
    };
    const { resilience, recorded } = compose([policy('deaf', { hedge: () => plan })]);
    const guarded = resilience.hedge?.(attemptInfo(), scrub);
    assert.ok(guarded);
    assert.doesNotThrow(() => guarded.answered?.(12));
    assert.deepEqual(recorded.whats(), ['deaf (answered)']);
    assert.equal(guarded.maxHedges, 2);
    delayMs = 35;
    assert.equal(guarded.delayMs, 35, 'a delay that follows the upstream is read through');
    assert.equal(resilience.hedge?.(attemptInfo(), scrub), guarded, 'the same plan again: no new object');
    const bare = { delayMs: 10, maxHedges: 1 };
    const plain = compose([policy('plain', { hedge: () => bare })]).resilience;
    assert.equal(plain.hedge?.(attemptInfo(), scrub), bare, 'nothing to guard: the plan as given');
  });

  const within: AnswerTime = { wait: (answer) => Promise.resolve(answer), callerAborted: false };

  it('an answer that throws, rejects or breaks its contract is reported and the next fallback is asked', async () => {
    const cases: NonNullable<PolicyHooks['answer']>[] = [
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('async boom')),
      () => 'a bare value' as never,
    ];
    for (const answer of cases) {
      const { resilience, recorded } = compose([policy('hostile', { answer }), fallback({ value: 'cached' })]);
      assert.deepEqual(await resilience.answer?.(failedCall(), scrub, within), { value: 'cached', by: 'fallback' });
      assert.deepEqual(recorded.whats(), ['hostile (answer)']);
    }
  });

  it('the outermost fallback that answers wins; an inner one is asked only when it does not', async () => {
    const { resilience } = compose([
      fallback({ value: 'outer', on: ['timeout'] }),
      fallback({ value: 'inner', on: ['server', 'timeout'] }),
    ]);
    assert.deepEqual(
      await resilience.answer?.(failedCall({ failure: { ...serverError, kind: 'timeout' } }), scrub, within),
      { value: 'outer', by: 'fallback' },
    );
    assert.deepEqual(await resilience.answer?.(failedCall(), scrub, within), { value: 'inner', by: 'fallback' });
  });
});

describe('building a list: ConfigError naming the entry', () => {
  const configError = (list: readonly unknown[], variable: string, problem: RegExp) =>
    assert.throws(
      () => compose(list as Policy[]),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.variable, variable);
        assert.match(error.problem, problem);
        return true;
      },
    );

  it('a build that throws names resilience[i] and the policy, with the reason', () => {
    const breaking = {
      name: 'breaking',
      build: () => {
        throw new Error('no redis');
      },
    };
    configError([retry(), breaking], 'resilience[1]', /could not be built \(no redis\)/);
    assert.throws(() => compose([retry(), breaking]), /resilience\[1\]="breaking"/);
  });

  it('a build that gives no hooks, or an entry that is not a policy', () => {
    configError([{ name: 'empty', build: () => undefined }], 'resilience[0]', /built no hooks/);
    configError([retry(), retry], 'resilience[1]', /is not a policy/);
    configError([null], 'resilience[0]', /is not a policy/);
    configError([throttle(), { name: 'no build' }], 'resilience[1]', /is not a policy/);
    assert.throws(() => compose([retry, retry()] as unknown as Policy[]), /call it: retry\(\), not retry/);
  });

  it('two hedging policies: a ConfigError naming both', () => {
    configError([hedge({ delayMs: 10 }), retry(), hedge({ delayMs: 20 })], 'resilience', /hedges twice/);
    assert.throws(() => compose([hedge({ delayMs: 10 }), hedge({ delayMs: 20 })]), /hedge, hedge/);
  });

  it('a policy without a name is reported under its place in the list', () => {
    const nameless = {
      name: '',
      build: () => ({
        beforeAttempt: () => {
          throw new Error('boom');
        },
      }),
    } as Policy;
    const { resilience, recorded } = compose([retry(), nameless]);
    resilience.beforeAttempt(attemptInfo(), scrub);
    assert.deepEqual(recorded.whats(), ['resilience[1] (beforeAttempt)']);
  });

  it('each policy is built once per list, with the client’s context and the list’s names', () => {
    const contexts: unknown[] = [];
    const spy: Policy = { name: 'spy', build: (context) => (contexts.push(context), {}) };
    const clock = fakeClock(0);
    const diagnostics = recordingDiagnostics().diagnostics;
    composePolicies([retry(), spy, throttle()], { upstream: 'payments', clock, diagnostics });
    assert.equal(contexts.length, 1);
    const [context] = contexts as { upstream: string; policies: string[]; clock: unknown; diagnostics: unknown }[];
    assert.equal(context?.upstream, 'payments');
    assert.deepEqual(context?.policies, ['retry', 'spy', 'throttle']);
    assert.equal(context?.clock, clock);
    assert.equal(context?.diagnostics, diagnostics);
  });
});

describe('acquire: policies that hold places', () => {
  const request = (overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
    ...attemptInfo(),
    remainingMs: Number.POSITIVE_INFINITY,
    signal: new AbortController().signal,
    ...overrides,
  });
  /** A policy giving places and recording how each was released. */
  const holding = (name: string, wait = false) => {
    const released: string[] = [];
    const give = () => ({ release: (end: AttemptEnd) => released.push(end.outcome) });
    return {
      released,
      policy: policy(name, { acquire: () => (wait ? Promise.resolve(give()) : give()) }),
    };
  };

  it('a list without acquire composes none: the pipeline keeps its plain beforeAttempt', () => {
    assert.equal(compose([retry(), throttle()]).resilience.acquire, undefined);
  });

  it('runs gates in list order; an inner refusal releases the outer places, dropped, once', async () => {
    const outer = holding('outer', true);
    const refusing = policy('refusing', {
      beforeAttempt: () => ({ kind: 'circuit_open', code: 'X', message: 'no' }),
    });
    const { resilience } = compose([outer.policy, refusing]);
    const admitted = await resilience.acquire!(request(), scrub);
    assert.equal((admitted as Failure).code, 'X');
    assert.deepEqual(outer.released, ['dropped']);
  });

  it('one permit for two places: released once, both hear it; a second release is ignored', () => {
    const a = holding('a');
    const b = holding('b');
    const { resilience } = compose([a.policy, b.policy]);
    const permit = resilience.acquire!(request(), scrub) as Permit;
    permit.release({ outcome: 'success', durationMs: 5 });
    permit.release({ outcome: 'success', durationMs: 5 });
    assert.deepEqual([a.released, b.released], [['success'], ['success']]);
  });

  it('a hedge never waits: a promise for a hedge refuses it, reported, and its late place is given back', async () => {
    const waiting = holding('waiting', true);
    const { resilience, recorded } = compose([waiting.policy]);
    const admitted = resilience.acquire!(request({ hedge: true }), scrub);
    assert.equal((admitted as Failure).kind, 'load_shed');
    await tick();
    assert.deepEqual(waiting.released, ['dropped']);
    assert.deepEqual(recorded.whats(), ['waiting (acquire)']);
  });

  it('a throwing acquire or release is reported, never thrown', () => {
    const throwing = policy('throwing', {
      acquire: () => ({
        release: () => {
          throw new Error('boom');
        },
      }),
    });
    const hostile = policy('hostile', {
      acquire: () => {
        throw new Error('nope');
      },
    });
    const { resilience, recorded } = compose([hostile, throwing]);
    const permit = resilience.acquire!(request(), scrub) as Permit;
    permit.release({ outcome: 'failure', durationMs: 1 });
    assert.deepEqual(recorded.whats(), ['hostile (acquire)', 'throwing (release)']);
  });
});
