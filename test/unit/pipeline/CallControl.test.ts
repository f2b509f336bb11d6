import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { CallControl } from '../../../src/pipeline/CallControl.js';
import { DeadlineSweep } from '../../../src/transport/deadlineSweep.js';

/**
 * Advances the fake time a millisecond at a time: node:test's tick(n) runs every due
 * callback with Date already at the end of the n ms, which would blur when a sweep ran.
 */
function stepBy1ms(t: TestContext, ms: number): void {
  for (let i = 0; i < ms; i++) t.mock.timers.tick(1);
}

/**
 * A deadline sweep on node:test's fake interval and Date, for this test only (node:test
 * restores them when the test ends): the total deadline is an entry on it, not a timer.
 */
function fakeTimers(t: TestContext): { sweep: DeadlineSweep; tick(ms: number): void } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  // Swept every millisecond so that deadlines here are exact to the millisecond.
  const sweep = new DeadlineSweep({ now: () => Date.now(), intervalMs: 1 });
  return { sweep, tick: (ms) => stepBy1ms(t, ms) };
}

function abortListenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('CallControl', () => {
  it('is not aborted while neither the caller nor the deadline has fired', (t) => {
    const timers = fakeTimers(t);
    const caller = new AbortController();
    const control = new CallControl(caller.signal, 1000, timers.sweep);
    timers.tick(999);
    assert.equal(control.aborted, false);
    assert.equal(control.reason, undefined);
    assert.equal(control.failureOf(refused, 0).kind, 'network');
    control.finish();
  });

  it("a caller's abort is told as cancelled, with the caller's reason as cause", () => {
    const caller = new AbortController();
    const control = new CallControl(caller.signal, 0);
    const reason = new Error('user navigated away');
    caller.abort(reason);
    assert.equal(control.aborted, true);
    assert.equal(control.reason, reason);
    assert.deepEqual(control.failureOf(refused, 0), {
      kind: 'cancelled',
      code: 'AbortError',
      message: 'The caller aborted the request',
      cause: reason,
    });
  });

  it("a caller's abort without a reason carries the AbortError DOMException the signal holds", () => {
    const caller = new AbortController();
    const control = new CallControl(caller.signal, 0);
    caller.abort();
    assert.ok(control.reason instanceof DOMException);
    assert.equal((control.reason as DOMException).name, 'AbortError');
    assert.equal(control.reason, caller.signal.reason);
  });

  it('the total deadline is told as a timeout in the total phase, exactly when it passes', (t) => {
    const timers = fakeTimers(t);
    const control = new CallControl(undefined, 1000, timers.sweep);
    timers.tick(999);
    assert.equal(control.aborted, false);
    timers.tick(1);
    assert.equal(control.aborted, true);
    assert.ok(control.reason instanceof DOMException);
    assert.equal((control.reason as DOMException).name, 'TimeoutError');
    assert.deepEqual(control.failureOf(refused, 0), {
      kind: 'timeout',
      code: 'TimeoutError',
      phase: 'total',
      message: 'The call exceeded its total deadline',
    });
  });

  it('without a deadline (0) no timer is armed and nothing aborts', (t) => {
    const timers = fakeTimers(t);
    const control = new CallControl(null, 0, timers.sweep);
    assert.equal(timers.sweep.size, 0);
    assert.equal(timers.sweep.running, false);
    timers.tick(10_000);
    assert.equal(control.aborted, false);
  });

  it('the first cause wins: a caller abort after the deadline does not turn a timeout into cancelled', (t) => {
    const timers = fakeTimers(t);
    const caller = new AbortController();
    const control = new CallControl(caller.signal, 50, timers.sweep);
    timers.tick(50);
    caller.abort(new Error('too late'));
    assert.equal(control.failureOf(refused, 0).kind, 'timeout');
    assert.equal((control.reason as DOMException).name, 'TimeoutError');
  });

  it('the deadline after a caller abort changes nothing: still cancelled', (t) => {
    const timers = fakeTimers(t);
    const caller = new AbortController();
    const control = new CallControl(caller.signal, 50, timers.sweep);
    const reason = new Error('stop');
    caller.abort(reason);
    timers.tick(50);
    assert.equal(control.failureOf(refused, 0).kind, 'cancelled');
    assert.equal(control.reason, reason);
  });

  describe('the EventEmitter surface undici listens on', () => {
    it('on and once listeners hear the abort exactly once, even when both causes fire', (t) => {
      const timers = fakeTimers(t);
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 10, timers.sweep);
      const heard: string[] = [];
      control.on('abort', () => heard.push('on'));
      control.once('abort', () => heard.push('once'));
      caller.abort();
      timers.tick(10);
      assert.deepEqual(heard, ['on', 'once']);
    });

    it('a listener sees the control already aborted, with its reason', () => {
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 0);
      const seen: unknown[] = [];
      control.on('abort', () => seen.push(control.aborted, control.reason));
      const reason = new Error('bye');
      caller.abort(reason);
      assert.deepEqual(seen, [true, reason]);
    });

    it('removeListener takes one registration off; the others still hear', () => {
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 0);
      const heard: string[] = [];
      const removed = (): void => {
        heard.push('removed');
      };
      const kept = (): void => {
        heard.push('kept');
      };
      control.on('abort', removed);
      control.once('abort', kept);
      assert.equal(control.removeListener('abort', removed), control);
      control.removeListener('abort', () => undefined); // never added: no effect
      caller.abort();
      assert.deepEqual(heard, ['kept']);
    });

    it('a listener added twice and removed once hears once', () => {
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 0);
      let heard = 0;
      const listener = (): void => {
        heard++;
      };
      control.on('abort', listener).on('abort', listener);
      control.removeListener('abort', listener);
      caller.abort();
      assert.equal(heard, 1);
    });

    it('on/once/removeListener return the control, as EventEmitter methods do', () => {
      const control = new CallControl(undefined, 0);
      const listener = (): void => undefined;
      assert.equal(control.on('abort', listener), control);
      assert.equal(control.once('abort', listener), control);
      assert.equal(control.removeListener('abort', listener), control);
    });
  });

  describe('signal', () => {
    it('is made lazily, once, and aborts with the same reason as the control', () => {
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 0);
      const signal = control.signal;
      assert.equal(control.signal, signal);
      assert.equal(signal.aborted, false);
      const reason = new Error('cancel');
      caller.abort(reason);
      assert.equal(signal.aborted, true);
      assert.equal(signal.reason, reason);
    });

    it('asked for after the deadline passed, it is born aborted with the TimeoutError', (t) => {
      const timers = fakeTimers(t);
      const control = new CallControl(undefined, 5, timers.sweep);
      timers.tick(5);
      const signal = control.signal;
      assert.equal(signal.aborted, true);
      assert.equal(signal.reason, control.reason);
      assert.equal((signal.reason as DOMException).name, 'TimeoutError');
    });

    it('aborts on the deadline when it was made before', (t) => {
      const timers = fakeTimers(t);
      const control = new CallControl(undefined, 5, timers.sweep);
      const signal = control.signal;
      let heard = 0;
      signal.addEventListener('abort', () => heard++);
      timers.tick(5);
      assert.equal(heard, 1);
      assert.equal(signal.reason, control.reason);
    });
  });

  describe('finish()', () => {
    it('disarms the deadline', (t) => {
      const timers = fakeTimers(t);
      const control = new CallControl(undefined, 100, timers.sweep);
      const signal = control.signal;
      assert.equal(timers.sweep.size, 1);
      control.finish();
      assert.equal(timers.sweep.size, 0);
      timers.tick(1000);
      assert.equal(control.aborted, false);
      assert.equal(signal.aborted, false);
    });

    it("removes the listener on the caller's signal: a later abort no longer reaches the call", () => {
      const caller = new AbortController();
      const control = new CallControl(caller.signal, 0);
      assert.equal(abortListenerCount(caller.signal), 1);
      control.finish();
      assert.equal(abortListenerCount(caller.signal), 0);
      caller.abort();
      assert.equal(control.aborted, false);
    });

    it('may be called twice, and without a caller signal or deadline', () => {
      const control = new CallControl(undefined, 0);
      control.finish();
      control.finish();
      assert.equal(control.aborted, false);
    });
  });

  describe('a caller signal aborted before the call', () => {
    it('is cancelled at once, with no listener left on the signal and no deadline armed', (t) => {
      const timers = fakeTimers(t);
      const reason = new Error('already gone');
      const signal = AbortSignal.abort(reason);
      const control = new CallControl(signal, 10, timers.sweep);
      assert.equal(timers.sweep.size, 0);
      assert.equal(control.aborted, true);
      assert.equal(control.reason, reason);
      assert.equal(abortListenerCount(signal), 0);
      timers.tick(10);
      assert.equal(control.failureOf(refused, 0).kind, 'cancelled');
      assert.equal(control.signal.aborted, true);
      assert.equal(control.signal.reason, reason);
    });

    it('a listener added afterwards is never called (undici checks `aborted` first)', () => {
      const control = new CallControl(AbortSignal.abort(), 0);
      let heard = 0;
      control.on('abort', () => heard++);
      assert.equal(heard, 0);
      assert.equal(control.aborted, true);
    });
  });

  it('before any abort, failureOf classifies the error as it is', () => {
    const control = new CallControl(undefined, 0);
    const failure = control.failureOf(refused, 0);
    assert.equal(failure.kind, 'network');
    assert.equal(failure.code, 'ECONNREFUSED');
  });
});
