import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createObserverFanout } from '../../../src/pipeline/observerFanout.js';
import type { AttemptScope, CallInfo, CallOutcome, RequestObserver } from '../../../src/types/observers.js';
import { recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

const call: CallInfo = {
  upstream: 'upstream',
  method: 'GET',
  requestMethod: 'GET',
  url: 'http://upstream.test/x',
  serverAddress: 'upstream.test',
  serverPort: 80,
  route: '/x',
  startedAt: 0,
};
const outcome: CallOutcome = { attempts: 1, status: 200, durationMs: 3 };
const boom = (): never => {
  throw new Error('observer boom');
};

/** An observer whose scope writes each step it sees to `log`, prefixed with its name. */
function loggingObserver(name: string, log: string[]): RequestObserver {
  return {
    attemptStarted(_call, attempt) {
      log.push(`${name}:attemptStarted(${attempt})`);
      return {
        run(fn) {
          log.push(`${name}:run>`);
          try {
            return fn();
          } finally {
            log.push(`${name}:run<`);
          }
        },
        send(fn) {
          log.push(`${name}:send>`);
          try {
            return fn();
          } finally {
            log.push(`${name}:send<`);
          }
        },
        inject(headers) {
          log.push(`${name}:inject`);
          headers[`x-${name}`] = '1';
        },
        end(o) {
          log.push(`${name}:end(${o.attempt})`);
        },
      };
    },
    callEnded(_call, o) {
      log.push(`${name}:callEnded(${o.attempts})`);
    },
  };
}

/** An observer whose scope throws at `step`, and otherwise behaves. */
function throwingAt(step: 'attemptStarted' | 'run' | 'send' | 'inject' | 'end' | 'callEnded'): RequestObserver {
  const scope: AttemptScope = {
    run: step === 'run' ? boom : (fn) => fn(),
    send: step === 'send' ? boom : (fn) => fn(),
    inject: step === 'inject' ? boom : () => undefined,
    end: step === 'end' ? boom : () => undefined,
  };
  return {
    attemptStarted: step === 'attemptStarted' ? boom : () => scope,
    callEnded: step === 'callEnded' ? boom : () => undefined,
  };
}

function scopeOf(observers: RequestObserver[], diagnostics = recordingDiagnostics().diagnostics): AttemptScope {
  const fanout = createObserverFanout(observers, diagnostics);
  assert.ok(fanout);
  const scope = fanout.attemptStarted(call, 1);
  assert.ok(scope);
  return scope;
}

describe('createObserverFanout', () => {
  it('no observers: undefined, so the hot path skips the business', () => {
    assert.equal(createObserverFanout([], recordingDiagnostics().diagnostics), undefined);
  });

  it('observers that return no scope, or have no attemptStarted, give no scope', () => {
    const fanout = createObserverFanout([{}, { attemptStarted: () => undefined }], recordingDiagnostics().diagnostics);
    assert.ok(fanout);
    assert.equal(fanout.attemptStarted(call, 1), undefined);
    fanout.callEnded(call, outcome);
  });

  describe('a throwing observer is reported and the others still run', () => {
    for (const step of ['attemptStarted', 'run', 'send', 'inject', 'end', 'callEnded'] as const) {
      for (const position of ['first', 'last'] as const) {
        it(`at ${step}, placed ${position}`, () => {
          const recorded = recordingDiagnostics();
          const log: string[] = [];
          const good = loggingObserver('good', log);
          const observers = position === 'first' ? [throwingAt(step), good] : [good, throwingAt(step)];
          const fanout = createObserverFanout(observers, recorded.diagnostics);
          assert.ok(fanout);
          const scope = fanout.attemptStarted(call, 1);
          assert.ok(scope);
          const headers: Record<string, string> = {};
          assert.equal(
            scope.run(() => 'ran'),
            'ran',
          );
          assert.equal(
            scope.send?.(() => 'sent'),
            'sent',
          );
          scope.inject?.(headers);
          scope.end({ attempt: 1, status: 200, durationMs: 3 });
          fanout.callEnded(call, outcome);

          assert.deepEqual(log, [
            'good:attemptStarted(1)',
            'good:run>',
            'good:run<',
            'good:send>',
            'good:send<',
            'good:inject',
            'good:end(1)',
            'good:callEnded(1)',
          ]);
          assert.deepEqual(headers, { 'x-good': '1' });
          assert.deepEqual(recorded.whats(), [`an observer (${step})`]);
          assert.deepEqual(recorded.reports[0]?.meta, { error: 'Error: observer boom' });
        });
      }
    }
  });

  it('a single throwing observer is guarded as well (no scope when attemptStarted throws)', () => {
    const recorded = recordingDiagnostics();
    const fanout = createObserverFanout([throwingAt('attemptStarted')], recorded.diagnostics);
    assert.ok(fanout);
    assert.equal(fanout.attemptStarted(call, 1), undefined);
    assert.deepEqual(recorded.whats(), ['an observer (attemptStarted)']);
  });

  it('scopes combine in the observers’ order: the first wraps the second', () => {
    const log: string[] = [];
    const scope = scopeOf([loggingObserver('a', log), loggingObserver('b', log)]);
    const headers: Record<string, string> = {};
    scope.run(() => log.push('fn'));
    scope.send?.(() => log.push('request'));
    scope.inject?.(headers);
    scope.end({ attempt: 1, durationMs: 1 });
    assert.deepEqual(log, [
      'a:attemptStarted(1)',
      'b:attemptStarted(1)',
      'a:run>',
      'b:run>',
      'fn',
      'b:run<',
      'a:run<',
      'a:send>',
      'b:send>',
      'request',
      'b:send<',
      'a:send<',
      'a:inject',
      'b:inject',
      'a:end(1)',
      'b:end(1)',
    ]);
    assert.deepEqual(headers, { 'x-a': '1', 'x-b': '1' });
  });

  it('a scope without send (or inject) is skipped for that step; fn runs once', () => {
    const log: string[] = [];
    const bare: RequestObserver = { attemptStarted: () => ({ run: (fn) => fn(), end: () => undefined }) };
    for (const observers of [[bare], [bare, loggingObserver('a', log)]]) {
      let calls = 0;
      const scope = scopeOf(observers);
      assert.equal(
        scope.send?.(() => ++calls),
        1,
      );
      scope.inject?.({});
    }
  });

  describe("run and send: the wrapped fn's own error is the request's", () => {
    for (const count of [1, 2]) {
      for (const step of ['run', 'send'] as const) {
        it(`${step} with ${count} scope(s): fn's error propagates unreported`, () => {
          const recorded = recordingDiagnostics();
          const scope = scopeOf(
            Array.from({ length: count }, (_, i) => loggingObserver(String(i), [])),
            recorded.diagnostics,
          );
          const requestError = new Error('ECONNRESET');
          const fn = (): never => {
            throw requestError;
          };
          assert.throws(
            () => (step === 'run' ? scope.run(fn) : scope.send?.(fn)),
            (error) => error === requestError,
          );
          assert.deepEqual(recorded.reports, []);
        });
      }
    }

    it('a rejected promise from fn is handed back as it is', async () => {
      const recorded = recordingDiagnostics();
      const scope = scopeOf([loggingObserver('a', []), loggingObserver('b', [])], recorded.diagnostics);
      const requestError = new Error('late failure');
      await assert.rejects(
        scope.run(() => Promise.reject(requestError)),
        (error) => error === requestError,
      );
      assert.deepEqual(recorded.reports, []);
    });

    for (const step of ['run', 'send'] as const) {
      it(`an error entering the ${step} scope is reported and fn runs once, without that scope`, () => {
        const recorded = recordingDiagnostics();
        const log: string[] = [];
        const scope = scopeOf([throwingAt(step), loggingObserver('b', log)], recorded.diagnostics);
        let calls = 0;
        const result = step === 'run' ? scope.run(() => ++calls) : scope.send?.(() => ++calls);
        assert.equal(result, 1);
        assert.equal(calls, 1);
        assert.deepEqual(log.slice(1), [`b:${step}>`, `b:${step}<`]);
        assert.deepEqual(recorded.whats(), [`an observer (${step})`]);
      });
    }

    it("an observer's error after fn returned is reported, and the request keeps fn's result", () => {
      const recorded = recordingDiagnostics();
      const restoreContext = (): void => {
        throw new Error('context restore failed');
      };
      const throwsOnExit: RequestObserver = {
        attemptStarted: () => ({
          run(fn) {
            const result = fn();
            restoreContext();
            return result;
          },
          end: () => undefined,
        }),
      };
      const scope = scopeOf([throwsOnExit], recorded.diagnostics);
      let calls = 0;
      assert.equal(
        scope.run(() => ++calls),
        1,
      );
      assert.equal(calls, 1);
      assert.deepEqual(recorded.whats(), ['an observer (run)']);
    });
  });

  describe('self-guarded observers', () => {
    it('the one self-guarded observer is passed through unwrapped: its own scope object, its errors not caught', () => {
      const recorded = recordingDiagnostics();
      const scope: AttemptScope = { run: (fn) => fn(), end: boom };
      const observer: RequestObserver = { attemptStarted: () => scope, callEnded: boom };
      const fanout = createObserverFanout([observer], recorded.diagnostics, observer);
      assert.ok(fanout);
      assert.equal(fanout.attemptStarted(call, 1), scope);
      assert.throws(() => fanout.callEnded(call, outcome), /observer boom/);
      assert.deepEqual(recorded.reports, []);
    });

    it('a self-guarded observer among others is guarded like any other', () => {
      const recorded = recordingDiagnostics();
      const marked = throwingAt('callEnded');
      const fanout = createObserverFanout([marked, loggingObserver('a', [])], recorded.diagnostics, marked);
      assert.ok(fanout);
      fanout.callEnded(call, outcome);
      assert.deepEqual(recorded.whats(), ['an observer (callEnded)']);
    });

    it("a look-alike Symbol.for('faultline.selfGuardedObserver') does not switch guarding off", () => {
      const recorded = recordingDiagnostics();
      const scope: AttemptScope = { run: (fn) => fn(), end: boom };
      const impostor = Object.assign(
        { attemptStarted: () => scope, callEnded: boom },
        { [Symbol.for('faultline.selfGuardedObserver')]: true },
      );
      const fanout = createObserverFanout([impostor], recorded.diagnostics);
      assert.ok(fanout);
      const wrapped = fanout.attemptStarted(call, 1);
      assert.ok(wrapped);
      assert.notEqual(wrapped, scope);
      wrapped.end({ attempt: 1, durationMs: 1 });
      fanout.callEnded(call, outcome);
      assert.deepEqual(recorded.whats(), ['an observer (end)', 'an observer (callEnded)']);
    });

    it('only the observer named as self-guarded skips the guard: another alone is wrapped', () => {
      const recorded = recordingDiagnostics();
      const fanout = createObserverFanout([throwingAt('callEnded')], recorded.diagnostics, throwingAt('callEnded'));
      assert.ok(fanout);
      fanout.callEnded(call, outcome);
      assert.deepEqual(recorded.whats(), ['an observer (callEnded)']);
    });
  });
});
