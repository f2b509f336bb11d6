import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retry, ThrottledError, throttle } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('throttle(): a Retry-After learned by one call holds back the next calls', () => {
  const suite = useFlakyUpstream();

  it('fails the next call fast as throttled, unsent, with the wait left', async () => {
    suite.server.script('/held', { status: 429, headers: { 'retry-after': '5' } }, { status: 200, body: '{}' });
    const clock = fakeClock();
    // 0.1: retry: noRetry() with the always-on gate; 0.2 lists the throttle alone.
    const client = suite.client({ clock, resilience: [throttle()], telemetry: { enabled: false } });
    await assert.rejects(client.json('/held'), ThrottledError);
    clock.advance(1000);
    const held = await client.json('/held').then(
      () => assert.fail('expected the call to be held back'),
      (error: unknown) => error,
    );
    assert.ok(held instanceof ThrottledError);
    assert.equal(held.code, 'THROTTLE_HOLD');
    assert.equal(held.retryAfterMs, 4000);
    assert.equal(suite.server.hits('/held'), 1, 'the held call was not sent');
    clock.advance(4000);
    assert.deepEqual(await client.json('/held'), {});
    assert.equal(suite.server.hits('/held'), 2);
  });

  it('waits the throttle out when the retry and the deadline allow, then sends once', async () => {
    suite.server.script('/wait', { status: 503, headers: { 'retry-after': '2' } }, { status: 200, body: '{"ok":1}' });
    const clock = fakeClock();
    const gate = throttle();
    const client = suite.client({ clock, resilience: [gate], telemetry: { enabled: false } });
    await assert.rejects(client.json('/wait'), ThrottledError);
    const patient = suite.client({
      clock,
      resilience: [retry({ maxAttempts: 2 }), throttle()],
      telemetry: { enabled: false },
    });
    // Another client of the same name with a throttle of its own has its own hold: the hold
    // is the throttle policy's (and the fleet's, with shared state).
    assert.deepEqual(await patient.json('/wait'), { ok: 1 });
    assert.deepEqual(clock.sleeps, []);
    // A call's own list with the client's throttle (0.1: a call's own retry strategy).
    const patientCall = { resilience: [retry({ maxAttempts: 2 }), gate] };
    assert.deepEqual(await client.json('/wait', patientCall), { ok: 1 });
    assert.deepEqual(clock.sleeps, [2000], 'held, it waited what was left of the throttle');
    assert.equal(suite.server.hits('/wait'), 3);
  });

  it('lets a call that waited out its own Retry-After through', async () => {
    suite.server.script('/own', { status: 429, headers: { 'retry-after': '3' } }, { status: 200, body: '{}' });
    const clock = fakeClock();
    const client = suite.client({
      clock,
      resilience: [retry({ maxAttempts: 2 }), throttle()],
      telemetry: { enabled: false },
    });
    assert.deepEqual(await client.json('/own'), {});
    assert.deepEqual(clock.sleeps, [3000]);
    assert.equal(suite.server.hits('/own'), 2);
  });

  it('clients given the same throttle share its hold; a list without throttle() has none (0.2)', async () => {
    suite.server.script(
      '/shared',
      { status: 429, headers: { 'retry-after': '5' } },
      { status: 200, body: '{}' },
      { status: 200, body: '{}' },
    );
    const clock = fakeClock();
    const gate = throttle();
    const first = suite.client({ clock, resilience: [gate], telemetry: { enabled: false } });
    const second = suite.client({ clock, resilience: [gate], telemetry: { enabled: false } });
    await assert.rejects(first.json('/shared'), ThrottledError);
    const held = await second.json('/shared').catch((error: unknown) => error);
    assert.ok(held instanceof ThrottledError);
    assert.equal(held.code, 'THROTTLE_HOLD');
    assert.equal(suite.server.hits('/shared'), 1, 'held unsent');
    // Deliberate in 0.2: without throttle() in the list, nothing holds the call back.
    const ungated = suite.client({ clock, resilience: [], telemetry: { enabled: false } });
    assert.deepEqual(await ungated.json('/shared'), {});
    assert.equal(suite.server.hits('/shared'), 2);
  });
});
