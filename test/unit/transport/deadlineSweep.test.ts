import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type Deadline, DeadlineSweep } from '../../../src/transport/deadlineSweep.js';

/**
 * Advances the fake time a millisecond at a time: node:test's tick(n) runs every due
 * callback with Date already at the end of the n ms, which would blur when a sweep ran.
 */
function stepBy1ms(t: TestContext, ms: number): void {
  for (let i = 0; i < ms; i++) t.mock.timers.tick(1);
}

/** A sweep on node:test's fake interval and Date (its clock), every 10 ms from t = 0. */
function fakeSweep(t: TestContext): { sweep: DeadlineSweep; tick(ms: number): void } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const sweep = new DeadlineSweep({ now: () => Date.now(), intervalMs: 10 });
  return { sweep, tick: (ms) => stepBy1ms(t, ms) };
}

/** A deadline that records when it expired. */
function entry(expiresAt: number, onExpire?: (self: Deadline, now: number) => void): Deadline & { fired: number[] } {
  const fired: number[] = [];
  return {
    expiresAt,
    fired,
    expire(now) {
      fired.push(now);
      onExpire?.(this, now);
    },
  };
}

describe('DeadlineSweep', () => {
  it('fires a deadline on the first tick at or after it, never before', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadline = entry(300);
    sweep.arm(deadline);
    tick(299);
    assert.deepEqual(deadline.fired, []);
    tick(1);
    assert.deepEqual(deadline.fired, [300]);
    tick(1000);
    assert.deepEqual(deadline.fired, [300], 'fired once, then disarmed');
    assert.equal(sweep.size, 0);
  });

  it('is late by at most one interval when the deadline falls between ticks', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadline = entry(301);
    sweep.arm(deadline);
    tick(309);
    assert.deepEqual(deadline.fired, []);
    tick(1);
    assert.deepEqual(deadline.fired, [310]);
  });

  it('a later expiresAt, written while armed, pushes the deadline back', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadline = entry(300);
    sweep.arm(deadline);
    tick(200);
    deadline.expiresAt = 200 + 300; // a body chunk arrived
    tick(299);
    assert.deepEqual(deadline.fired, []);
    tick(1);
    assert.deepEqual(deadline.fired, [500]);
  });

  it('a disarmed deadline never fires', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadline = entry(100);
    sweep.arm(deadline);
    tick(50);
    sweep.disarm(deadline);
    tick(1000);
    assert.deepEqual(deadline.fired, []);
  });

  it('runs its interval only while something is armed, and starts again when needed', (t) => {
    const { sweep, tick } = fakeSweep(t);
    assert.equal(sweep.running, false);
    const first = entry(20);
    sweep.arm(first);
    assert.equal(sweep.running, true);
    tick(20);
    assert.deepEqual(first.fired, [20]);
    // The tick that finds nothing armed stops the interval.
    tick(10);
    assert.equal(sweep.running, false);
    tick(1000);
    const second = entry(Date.now() + 30);
    sweep.arm(second);
    assert.equal(sweep.running, true);
    tick(30);
    assert.deepEqual(second.fired, [1060]);
  });

  it('disarming and arming again between ticks keeps one interval (no timer per call)', (t) => {
    const { sweep, tick } = fakeSweep(t);
    for (let i = 0; i < 100; i++) {
      const deadline = entry(1000);
      sweep.arm(deadline);
      sweep.disarm(deadline);
    }
    assert.equal(sweep.running, true);
    assert.equal(sweep.size, 0);
    tick(10);
    assert.equal(sweep.running, false);
  });

  it('serves many deadlines, each on its own time', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadlines = [50, 10, 30, 30, 90].map((at) => entry(at));
    for (const deadline of deadlines) sweep.arm(deadline);
    tick(100);
    assert.deepEqual(
      deadlines.map((deadline) => deadline.fired),
      [[50], [10], [30], [30], [90]],
    );
  });

  it('an expiry may arm itself again with a later deadline', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadline = entry(100, (self, now) => {
      if (now < 300) {
        self.expiresAt = now + 100;
        sweep.arm(self);
      }
    });
    sweep.arm(deadline);
    tick(400);
    assert.deepEqual(deadline.fired, [100, 200, 300]);
  });

  it('an expiry that throws does not stop the others or the sweep', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const throwing = entry(10, () => {
      throw new Error('bug');
    });
    const after = entry(10);
    const later = entry(40);
    sweep.arm(throwing);
    sweep.arm(after);
    sweep.arm(later);
    tick(40);
    assert.deepEqual([throwing.fired, after.fired, later.fired], [[10], [10], [40]]);
  });
  it('arming an armed deadline again keeps one entry; disarming one from the middle leaves the others on time', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const deadlines = [10, 20, 30, 40, 50].map((at) => entry(at));
    for (const deadline of deadlines) sweep.arm(deadline);
    sweep.arm(deadlines[2]!);
    assert.equal(sweep.size, 5);
    sweep.disarm(deadlines[1]!);
    sweep.disarm(deadlines[1]!);
    assert.equal(sweep.size, 4);
    tick(50);
    assert.deepEqual(
      deadlines.map((deadline) => deadline.fired),
      [[10], [], [30], [40], [50]],
    );
    assert.equal(sweep.size, 0);
  });

  it('an expiry that disarms another deadline due in the same tick stops it firing', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const other = entry(10);
    const first = entry(10, () => sweep.disarm(other));
    const last = entry(10);
    sweep.arm(first);
    sweep.arm(other);
    sweep.arm(last);
    tick(10);
    assert.deepEqual([first.fired, other.fired, last.fired], [[10], [], [10]]);
  });

  it('a deadline another sweep watches is not disarmed here', (t) => {
    const { sweep, tick } = fakeSweep(t);
    const elsewhere = new DeadlineSweep({ now: () => Date.now(), intervalMs: 10 });
    const mine = entry(10);
    const theirs = entry(10);
    sweep.arm(mine);
    elsewhere.arm(theirs);
    sweep.disarm(theirs);
    assert.equal(sweep.size, 1);
    tick(10);
    assert.deepEqual([mine.fired, theirs.fired], [[10], [10]]);
  });
});
