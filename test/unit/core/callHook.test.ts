import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDiagnostics } from '../../../src/core/diagnostics.js';
import { callHook, checkedAnswer } from '../../../src/core/callHook.js';
import { BOOLEAN, FAILURE_OR_NOTHING, SCOPE_OR_NOTHING } from '../../../src/core/hookContracts.js';

function recording() {
  const reports: { message: string; error: unknown }[] = [];
  const diagnostics = createDiagnostics((message, meta) => reports.push({ message, error: meta['error'] }));
  return { diagnostics, reports };
}

describe('callHook: a hook that throws and a hook that answers garbage are one case (finding 9)', () => {
  it('an answer within the contract is returned as it is, nothing reported', () => {
    const { diagnostics, reports } = recording();
    const refusal = { kind: 'circuit_open', code: 'OPEN', message: 'open' };
    const self = {
      refusal,
      hook(this: { refusal: object }, _n: number) {
        return this.refusal;
      },
    };
    assert.equal(callHook(diagnostics, 'h', self, self.hook, 1, FAILURE_OR_NOTHING, undefined), refusal);
    assert.equal(
      callHook(diagnostics, 'h', null, () => undefined, 1, FAILURE_OR_NOTHING, 'fallback'),
      undefined,
    );
    assert.deepEqual(reports, []);
  });

  it('garbage is reported under the hook’s name, like a throw, and the fallback answers', () => {
    for (const garbage of [
      'nope',
      { kind: 'bogus', code: 'x', message: 'y' },
      { kind: 'server' },
      5,
      Promise.resolve(),
    ]) {
      const { diagnostics, reports } = recording();
      assert.equal(
        callHook(diagnostics, 'retry strategy (beforeAttempt)', null, () => garbage, 1, FAILURE_OR_NOTHING, undefined),
        undefined,
      );
      assert.equal(reports.length, 1);
      assert.equal(reports[0]?.message, 'faultline: retry strategy (beforeAttempt) failed; the request goes on');
      assert.match(String(reports[0]?.error), /^TypeError: returned .+; expected a Failure/);
    }
    const { diagnostics, reports } = recording();
    const thrown = callHook(
      diagnostics,
      'retry strategy (beforeAttempt)',
      null,
      () => {
        throw new Error('boom');
      },
      1,
      FAILURE_OR_NOTHING,
      undefined,
    );
    assert.equal(thrown, undefined);
    assert.equal(reports[0]?.message, 'faultline: retry strategy (beforeAttempt) failed; the request goes on');
  });

  it('reported once per 10 s however often, as a throw is', () => {
    const { diagnostics, reports } = recording();
    for (let i = 0; i < 100; i++) checkedAnswer(diagnostics, 'auth strategy (onUnauthorized)', 'yes', BOOLEAN, false);
    assert.equal(reports.length, 1);
  });

  it('an attempt scope needs run and end; a getter that throws is garbage, not a throw into the call', () => {
    const { diagnostics } = recording();
    const good = { run: (fn: () => unknown) => fn(), end: () => undefined };
    assert.equal(checkedAnswer(diagnostics, 'o', good, SCOPE_OR_NOTHING, undefined), good);
    const hostile = Object.defineProperty({ end: () => undefined }, 'run', {
      get() {
        throw new Error('boom');
      },
    });
    for (const scope of [
      5,
      {},
      { run: 1, end: () => undefined },
      { run: good.run, end: good.end, inject: 'x' },
      hostile,
    ])
      assert.equal(checkedAnswer(diagnostics, 'o', scope, SCOPE_OR_NOTHING, undefined), undefined);
  });
});
