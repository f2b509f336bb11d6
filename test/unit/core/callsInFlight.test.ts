import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callsInFlight } from '../../../src/core/callsInFlight.js';

describe('callsInFlight', () => {
  it('drained() resolves true when the last call leaves, false at its bound while one is still in flight', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    assert.equal(await callsInFlight.drained(1000), true, 'nothing in flight: at once');
    callsInFlight.enter();
    callsInFlight.enter();
    let settled: boolean | undefined;
    const waiting = callsInFlight.drained(1000).then((empty) => (settled = empty));
    callsInFlight.leave();
    t.mock.timers.tick(999);
    await Promise.resolve();
    assert.equal(settled, undefined, 'one call still in flight');
    callsInFlight.leave();
    assert.equal(await waiting, true);

    callsInFlight.enter();
    const bounded = callsInFlight.drained(1000);
    t.mock.timers.tick(1000);
    assert.equal(await bounded, false, 'the bound passed with a call in flight');
    callsInFlight.leave();
    assert.equal(callsInFlight.count(), 0);
  });

  it('close() and open() set the gate calls look at', () => {
    assert.equal(callsInFlight.closing(), false);
    callsInFlight.close();
    assert.equal(callsInFlight.closing(), true);
    callsInFlight.open();
    assert.equal(callsInFlight.closing(), false);
  });
});
