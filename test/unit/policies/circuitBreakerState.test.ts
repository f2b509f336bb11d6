// A breaker's state, explicit: stateOf and circuits(), the gauge the client is told of
// (context.circuitState), and the toJSON / initialState pair (in the manner of cockatiel).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { circuitBreaker } from '../../../src/index.js';
import type { CircuitInfo } from '../../../src/types/policy.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { attemptInfo, buildPolicy, failedAttempt, succeededAttempt, verdictOf } from './policyHarness.js';

const T0 = Date.parse('2026-11-22T00:00:00Z');

describe('circuitBreaker: stateOf and circuits()', () => {
  it('a breaker nobody called knows no circuit; stateOf says closed for any', () => {
    const breaker = circuitBreaker();
    assert.deepEqual([...breaker.circuits()], []);
    assert.equal(breaker.stateOf('anything'), 'closed');
    assert.deepEqual(breaker.toJSON(), {});
  });

  it('perRoute: stateOf(upstream, route) reads one route’s circuit; circuits() lists each with what it guards', () => {
    const breaker = circuitBreaker({ failureThreshold: 1, perRoute: true });
    const { hooks } = buildPolicy(breaker, { upstream: 'catalog' });
    hooks.onSuccess?.(succeededAttempt({ upstream: 'catalog', route: '/v1/items' }));
    verdictOf(hooks, failedAttempt({ upstream: 'catalog', route: '/v1/prices' }));
    assert.equal(breaker.stateOf('catalog', '/v1/prices'), 'open');
    assert.equal(breaker.stateOf('catalog', '/v1/items'), 'closed');
    assert.equal(breaker.stateOf('catalog'), 'closed', 'no circuit for the upstream as a whole');
    assert.deepEqual(
      [...breaker.circuits()].sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'catalog /v1/items', upstream: 'catalog', route: '/v1/items', state: 'closed' },
        { key: 'catalog /v1/prices', upstream: 'catalog', route: '/v1/prices', state: 'open' },
      ],
    );
  });

  it('with `name`, every upstream shares one circuit under that name', () => {
    const breaker = circuitBreaker({ failureThreshold: 2, name: 'shared-db' });
    const a = buildPolicy(breaker, { upstream: 'a' }).hooks;
    const b = buildPolicy(breaker, { upstream: 'b' }).hooks;
    verdictOf(a, failedAttempt({ upstream: 'a' }));
    verdictOf(b, failedAttempt({ upstream: 'b' }));
    assert.equal(breaker.stateOf('shared-db'), 'open');
    assert.equal(a.beforeAttempt?.(attemptInfo({ upstream: 'a' }))?.kind, 'circuit_open');
    assert.deepEqual(
      [...breaker.circuits()],
      [{ key: 'shared-db', upstream: 'shared-db', route: undefined, state: 'open' }],
    );
  });
});

describe('circuitBreaker: the gauge (context.circuitState)', () => {
  it('hears each circuit when first seen and at every change, with what it guards', () => {
    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 1000, perRoute: true });
    const { hooks, clock, circuits } = buildPolicy(breaker);
    const attempt = attemptInfo({ route: '/a' });
    hooks.beforeAttempt?.(attempt);
    verdictOf(hooks, failedAttempt({ route: '/a' }));
    clock.advance(1000);
    hooks.beforeAttempt?.(attempt);
    hooks.onSuccess?.(succeededAttempt({ route: '/a' }));
    const seen = (state: CircuitInfo['state']): CircuitInfo => ({
      key: 'upstream /a',
      upstream: 'upstream',
      route: '/a',
      state,
    });
    assert.deepEqual(circuits, [seen('closed'), seen('open'), seen('half-open'), seen('closed')]);
  });

  it('a gauge that throws is reported, and the breaker decides as before', () => {
    const breaker = circuitBreaker({ failureThreshold: 1 });
    const clock = fakeClock(0);
    const reports: string[] = [];
    const hooks = breaker.build({
      upstream: 'upstream',
      policies: ['circuitBreaker'],
      clock,
      diagnostics: { report: (what) => void reports.push(what) },
      circuitState: () => {
        throw new Error('meter gone');
      },
    });
    assert.deepEqual(hooks.afterFailure?.(failedAttempt(), { delayMs: 10, reason: 'backoff' }), {
      delayMs: null,
      reason: 'circuit_opened',
    });
    assert.equal(breaker.stateOf('upstream'), 'open');
    assert.deepEqual(reports, ['circuit gauge', 'circuit gauge']);
  });
});

describe('circuitBreaker: toJSON and initialState', () => {
  it('a snapshot taken with JSON keeps an open circuit open for the rest of its break in a new breaker', () => {
    const first = circuitBreaker({ failureThreshold: 1, breakDurationMs: 10_000 });
    const before = buildPolicy(first, { clock: fakeClock(T0) });
    before.hooks.onSuccess?.(succeededAttempt({ upstream: 'healthy' }));
    verdictOf(before.hooks, failedAttempt());
    const snapshot = JSON.parse(JSON.stringify(first)) as ReturnType<typeof first.toJSON>;
    assert.deepEqual(snapshot, {
      upstream: { state: 'open', openedAt: T0 },
      healthy: { state: 'closed', openedAt: 0 },
    });

    // The process restarts 4 s later.
    const second = circuitBreaker({ failureThreshold: 1, breakDurationMs: 10_000, initialState: snapshot });
    const after = buildPolicy(second, { clock: fakeClock(T0 + 4000) });
    const refusal = after.hooks.beforeAttempt?.(attemptInfo());
    assert.equal(refusal?.kind, 'circuit_open');
    assert.match(refusal?.message ?? '', /initialState/);
    assert.equal(second.stateOf('upstream'), 'open');
    assert.equal(after.hooks.beforeAttempt?.(attemptInfo({ upstream: 'healthy' })), undefined);
    assert.deepEqual(second.toJSON(), snapshot, 'the round trip gives the same snapshot');
    after.clock.advance(6000);
    assert.equal(after.hooks.beforeAttempt?.(attemptInfo()), undefined, 'the break ends when it would have');
    assert.equal(second.stateOf('upstream'), 'half-open');
  });

  it('a half-open circuit comes back open (its trial never reports); one whose break is over half-opens at once', () => {
    const initialState = { upstream: { state: 'half-open', openedAt: T0 } } as const;
    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 1000, initialState });
    const { hooks } = buildPolicy(breaker, { clock: fakeClock(T0 + 999) });
    assert.equal(hooks.beforeAttempt?.(attemptInfo())?.kind, 'circuit_open');
    assert.equal(breaker.stateOf('upstream'), 'open');
    const later = circuitBreaker({ failureThreshold: 1, breakDurationMs: 1000, initialState });
    const built = buildPolicy(later, { clock: fakeClock(T0 + 1000) });
    assert.equal(built.hooks.beforeAttempt?.(attemptInfo()), undefined, 'the trial');
    assert.equal(later.stateOf('upstream'), 'half-open');
  });
});

describe('circuitBreaker: initialState before any traffic', () => {
  it('stateOf and toJSON tell the state it was given before the first attempt, so a restart without calls keeps it', () => {
    const initialState = {
      upstream: { state: 'open', openedAt: T0 },
      other: { state: 'half-open', openedAt: T0 },
      calm: { state: 'closed', openedAt: 0 },
    } as const;
    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 10_000, initialState });
    buildPolicy(breaker, { clock: fakeClock(T0 + 1000) });
    assert.equal(breaker.stateOf('upstream'), 'open', 'it will refuse the first attempt: it says so');
    assert.equal(breaker.stateOf('other'), 'open', 'a half-open one comes back open');
    assert.equal(breaker.stateOf('calm'), 'closed');
    // Shut down again before any call: the next process still starts with the circuit open.
    const snapshot = JSON.parse(JSON.stringify(breaker)) as ReturnType<typeof breaker.toJSON>;
    assert.deepEqual(snapshot, {
      upstream: { state: 'open', openedAt: T0 },
      other: { state: 'open', openedAt: T0 },
    });
    const next = circuitBreaker({ failureThreshold: 1, breakDurationMs: 10_000, initialState: snapshot });
    const { hooks } = buildPolicy(next, { clock: fakeClock(T0 + 2000) });
    assert.equal(hooks.beforeAttempt?.(attemptInfo())?.kind, 'circuit_open');
  });
});
