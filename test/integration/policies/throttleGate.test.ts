import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponentialBackoff, noRetry, ThrottledError } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('throttle gate: a Retry-After learned by one call holds back the next calls', () => {
  const suite = useFlakyUpstream();

  it('fails the next call fast as throttled, unsent, with the wait left', async () => {
    suite.server.script('/held', { status: 429, headers: { 'retry-after': '5' } }, { status: 200, body: '{}' });
    const clock = fakeClock();
    const client = suite.client({ clock, retry: noRetry(), signals: false });
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

  it('waits the throttle out when the strategy and the deadline allow, then sends once', async () => {
    suite.server.script('/wait', { status: 503, headers: { 'retry-after': '2' } }, { status: 200, body: '{"ok":1}' });
    const clock = fakeClock();
    const client = suite.client({ clock, retry: noRetry(), signals: false });
    await assert.rejects(client.json('/wait'), ThrottledError);
    const patient = suite.client({ clock, retry: exponentialBackoff({ maxAttempts: 2 }), signals: false });
    // Another client of the same name has its own gate: the gate is per client (and fleet).
    assert.deepEqual(await patient.json('/wait'), { ok: 1 });
    assert.deepEqual(clock.sleeps, []);
    assert.deepEqual(await client.json('/wait', { retry: exponentialBackoff({ maxAttempts: 2 }) }), { ok: 1 });
    assert.deepEqual(clock.sleeps, [2000], 'held, it waited what was left of the throttle');
    assert.equal(suite.server.hits('/wait'), 3);
  });

  it('lets a call that waited out its own Retry-After through', async () => {
    suite.server.script('/own', { status: 429, headers: { 'retry-after': '3' } }, { status: 200, body: '{}' });
    const clock = fakeClock();
    const client = suite.client({ clock, retry: exponentialBackoff({ maxAttempts: 2 }), signals: false });
    assert.deepEqual(await client.json('/own'), {});
    assert.deepEqual(clock.sleeps, [3000]);
    assert.equal(suite.server.hits('/own'), 2);
  });
});
