import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asDiagnostics, createDiagnostics, enterGuarded, guard } from '../../../src/core/diagnostics.js';
import { recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

/** A clock the test sets by hand. */
function manualClock(): { now: () => number; set(at: number): void } {
  let at = 1_000_000;
  return {
    now: () => at,
    set(next) {
      at = next;
    },
  };
}

describe('createDiagnostics', () => {
  it('writes one warn-style line per report: what failed, and the error described', () => {
    const recorded = recordingDiagnostics();
    recorded.diagnostics.report('an observer (end)', new TypeError('x is not a function'));
    assert.deepEqual(recorded.reports, [
      {
        message: 'faultline: an observer (end) failed; the request goes on',
        meta: { error: 'TypeError: x is not a function' },
      },
    ]);
  });

  it('describes what is not an Error with String(), and what cannot be printed as such', () => {
    const recorded = recordingDiagnostics();
    const diagnostics = recorded.diagnostics;
    diagnostics.report('a', 'plain text');
    diagnostics.report('b', 42);
    diagnostics.report('c', {
      toString() {
        throw new Error('nope');
      },
    });
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('nope');
      },
    });
    diagnostics.report('d', hostile);
    diagnostics.report('e', Object.create(null));
    assert.deepEqual(
      recorded.reports.map(({ meta }) => meta['error']),
      ['plain text', '42', 'unprintable error', 'unprintable error', 'unprintable error'],
    );
  });

  describe('throttle', () => {
    it('reports each `what` at most once per 10 s; other whats are not held back', () => {
      const clock = manualClock();
      const recorded = recordingDiagnostics(clock.now);
      const start = clock.now();
      recorded.diagnostics.report('hook', new Error('1'));
      clock.set(start + 1);
      recorded.diagnostics.report('hook', new Error('2'));
      recorded.diagnostics.report('other hook', new Error('3'));
      clock.set(start + 9_999);
      recorded.diagnostics.report('hook', new Error('4'));
      assert.deepEqual(
        recorded.reports.map(({ meta }) => meta['error']),
        ['Error: 1', 'Error: 3'],
      );
    });

    it('the next report after the interval says how many were held back, then the count starts again', () => {
      const clock = manualClock();
      const recorded = recordingDiagnostics(clock.now);
      const start = clock.now();
      recorded.diagnostics.report('hook', new Error('first'));
      recorded.diagnostics.report('hook', new Error('held 1'));
      recorded.diagnostics.report('hook', new Error('held 2'));
      clock.set(start + 10_000);
      recorded.diagnostics.report('hook', new Error('second'));
      clock.set(start + 20_000);
      recorded.diagnostics.report('hook', new Error('third'));
      assert.deepEqual(
        recorded.reports.map(({ meta }) => meta),
        [
          { error: 'Error: first' },
          { error: 'Error: second', 'faultline.reports_held_back': 2 },
          { error: 'Error: third' },
        ],
      );
    });

    it('the interval runs from the last report that went out, not from the held ones', () => {
      const clock = manualClock();
      const recorded = recordingDiagnostics(clock.now);
      const start = clock.now();
      recorded.diagnostics.report('hook', new Error('a'));
      clock.set(start + 9_000);
      recorded.diagnostics.report('hook', new Error('held'));
      clock.set(start + 10_000);
      recorded.diagnostics.report('hook', new Error('b'));
      assert.equal(recorded.reports.length, 2);
    });

    it('two diagnostics do not silence each other: one client’s noisy hook leaves another’s warning alone', () => {
      const clock = manualClock();
      const first = recordingDiagnostics(clock.now);
      const second = recordingDiagnostics(clock.now);
      for (let i = 0; i < 5; i++) first.diagnostics.report('auth strategy (apply)', new Error('noisy'));
      second.diagnostics.report('auth strategy (apply)', new Error('quiet'));
      assert.equal(first.reports.length, 1);
      assert.deepEqual(
        second.reports.map(({ meta }) => meta['error']),
        ['Error: quiet'],
      );
    });
  });

  it('a throwing sink never throws into the caller, and later reports still reach the sink', () => {
    const clock = manualClock();
    let calls = 0;
    const diagnostics = createDiagnostics(() => {
      calls++;
      throw new Error('logger down');
    }, clock.now);
    assert.doesNotThrow(() => diagnostics.report('hook', new Error('x')));
    clock.set(clock.now() + 10_000);
    assert.doesNotThrow(() => diagnostics.report('hook', new Error('y')));
    assert.equal(calls, 2);
  });

  it('applies scrub to the described error before the sink sees it', () => {
    const recorded = recordingDiagnostics();
    const scrub = (text: string): string => text.split('sk_live_123456').join('REDACTED');
    recorded.diagnostics.report('auth strategy (apply)', new Error('bad token sk_live_123456 for user'), scrub);
    assert.deepEqual(recorded.reports[0]?.meta, { error: 'Error: bad token REDACTED for user' });
  });

  it('a throwing scrub drops the report rather than leak the unscrubbed text, and never throws', () => {
    const recorded = recordingDiagnostics();
    const scrub = (): string => {
      throw new Error('scrubber broke');
    };
    assert.doesNotThrow(() => recorded.diagnostics.report('hook', new Error('secret sk_live_123456'), scrub));
    assert.equal(
      recorded.reports.some(({ meta }) => String(meta['error']).includes('sk_live_123456')),
      false,
    );
  });
});

describe('guard', () => {
  it('returns what fn returns, and reports nothing', () => {
    const recorded = recordingDiagnostics();
    assert.equal(
      guard(recorded.diagnostics, 'hook', () => 7, 0),
      7,
    );
    assert.deepEqual(recorded.reports, []);
  });

  it('a throwing fn is reported (scrubbed) and the fallback returned', () => {
    const recorded = recordingDiagnostics();
    const result = guard(
      recorded.diagnostics,
      'hook',
      () => {
        throw new Error('leaks abcdef');
      },
      'fallback',
      (text) => text.replace('abcdef', 'REDACTED'),
    );
    assert.equal(result, 'fallback');
    assert.deepEqual(recorded.reports, [
      { message: 'faultline: hook failed; the request goes on', meta: { error: 'Error: leaks REDACTED' } },
    ]);
  });
});

describe('enterGuarded', () => {
  it('runs fn inside the scope', () => {
    const recorded = recordingDiagnostics();
    const log: string[] = [];
    const result = enterGuarded(
      recorded.diagnostics,
      'scope',
      (inner) => {
        log.push('enter');
        const value = inner();
        log.push('exit');
        return value;
      },
      () => {
        log.push('fn');
        return 'done';
      },
    );
    assert.equal(result, 'done');
    assert.deepEqual(log, ['enter', 'fn', 'exit']);
  });

  it('a failure to enter is reported and fn runs once without the scope', () => {
    const recorded = recordingDiagnostics();
    let calls = 0;
    const result = enterGuarded(
      recorded.diagnostics,
      'scope',
      () => {
        throw new Error('no context');
      },
      () => ++calls,
    );
    assert.equal(result, 1);
    assert.deepEqual(recorded.whats(), ['scope']);
  });

  it("fn's own error propagates and is not reported", () => {
    const recorded = recordingDiagnostics();
    const own = new Error('request failed');
    assert.throws(
      () =>
        enterGuarded(
          recorded.diagnostics,
          'scope',
          (inner) => inner(),
          () => {
            throw own;
          },
        ),
      (error) => error === own,
    );
    assert.deepEqual(recorded.reports, []);
  });
});

describe('asDiagnostics', () => {
  it('keeps Diagnostics as they are, and gives a bare { warn } logger a throttle of its own', () => {
    const own = createDiagnostics(() => {});
    assert.equal(asDiagnostics(own), own);
    const warned: string[] = [];
    const legacy = asDiagnostics({ warn: (message) => warned.push(message) });
    legacy.report('a hook', new Error('boom'));
    legacy.report('a hook', new Error('boom again'));
    assert.deepEqual(warned, ['faultline: a hook failed; the request goes on']);
  });
});
