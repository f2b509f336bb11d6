import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBudget, parseBudget } from '../../../src/core/budgetHeader.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { callerBudget } from '../../../src/pipeline/callerBudget.js';
import { incomingDeadline, planDeadlines } from '../../../src/service/incomingDeadline.js';

describe('budget headers', () => {
  it('reads gRPC, -ms and seconds headers, and ignores malformed values', () => {
    assert.equal(parseBudget('grpc-timeout', '250m'), 250);
    assert.equal(parseBudget('grpc-timeout', '3S'), 3000);
    assert.equal(parseBudget('grpc-timeout', '1H'), 3_600_000);
    assert.equal(parseBudget('grpc-timeout', '123456789m'), undefined, 'at most 8 digits');
    assert.equal(parseBudget('grpc-timeout', '250'), undefined);
    assert.equal(parseBudget('x-envoy-expected-rq-timeout-ms', '1500'), 1500);
    assert.equal(parseBudget('x-request-timeout', '0.3'), 300);
    assert.equal(parseBudget('x-request-timeout', '-1'), undefined);
    assert.equal(parseBudget('x-request-timeout', 'soon'), undefined);
    assert.equal(parseBudget('x-request-timeout', undefined), undefined);
  });

  it('writes what it reads', () => {
    for (const header of ['grpc-timeout', 'x-envoy-expected-rq-timeout-ms', 'x-request-timeout'])
      assert.equal(parseBudget(header, formatBudget(header, 1234)), 1234, header);
    assert.equal(formatBudget('grpc-timeout', 200_000_000), '200000S');
  });
});

describe('the incoming deadline', () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name];

  it('takes the first header present, else the default, capped by maxMs', () => {
    const plan = planDeadlines({ defaultMs: 5000, maxMs: 10_000 });
    const before = performance.now();
    const fromEnvoy = incomingDeadline(plan, headers({ 'x-envoy-expected-rq-timeout-ms': '700' }), undefined);
    assert.ok(fromEnvoy.expiresAt - before >= 700 && fromEnvoy.expiresAt - performance.now() <= 700);
    const fromDefault = incomingDeadline(plan, headers({ 'x-request-timeout': 'bogus' }), undefined);
    assert.ok(fromDefault.expiresAt - before >= 5000 && fromDefault.expiresAt - performance.now() <= 5000);
    const capped = incomingDeadline(plan, headers({ 'grpc-timeout': '1H' }), undefined);
    assert.ok(capped.expiresAt - performance.now() <= 10_000);
    assert.equal(incomingDeadline(planDeadlines(), headers({}), undefined).expiresAt, Number.POSITIVE_INFINITY);
  });

  it('rejects a bad option at start-up, naming it', () => {
    assert.throws(
      () => planDeadlines({ defaultMs: -1 }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'deadlines.defaultMs',
    );
  });
});

describe('callerBudget: min(own timeout, what the caller has left)', () => {
  const at = (remainingMs: number, extra = {}) => ({ expiresAt: performance.now() + remainingMs, ...extra });

  it('outside a request, the call is untouched', () => {
    const headers = {};
    assert.deepEqual(callerBudget(5000, undefined, headers, undefined), { timeoutMs: 5000, signal: undefined });
  });

  it("the caller's budget wins when shorter, the call's own when shorter", () => {
    const caller = callerBudget(5000, undefined, {}, at(300));
    assert.equal(caller.source, 'caller');
    assert.ok(caller.timeoutMs <= 300 && caller.timeoutMs > 250, String(caller.timeoutMs));
    const own = callerBudget(200, undefined, {}, at(300));
    assert.deepEqual([own.source, own.timeoutMs], ['own', 200]);
    const none = callerBudget(0, undefined, {}, at(300));
    assert.equal(none.source, 'caller', 'a call without a timeout of its own takes the caller’s');
  });

  it('a spent budget still arms a 1 ms deadline; an absurd one does not overflow the timer', () => {
    assert.equal(callerBudget(5000, undefined, {}, at(-50)).timeoutMs, 1);
    assert.equal(callerBudget(0, undefined, {}, at(1e12)).timeoutMs, 2_147_483_647);
  });

  it('carries the budget in the propagated header, unless the call set it', () => {
    const headers: Record<string, string> = {};
    callerBudget(200, undefined, headers, at(300, { propagateHeader: 'x-envoy-expected-rq-timeout-ms' }));
    assert.equal(headers['x-envoy-expected-rq-timeout-ms'], '200');
    const own = { 'x-envoy-expected-rq-timeout-ms': '50' };
    callerBudget(200, undefined, own, at(300, { propagateHeader: 'x-envoy-expected-rq-timeout-ms' }));
    assert.equal(own['x-envoy-expected-rq-timeout-ms'], '50');
  });

  it("aborts with the caller's going away as well as the call's own signal", () => {
    const gone = new AbortController();
    const mine = new AbortController();
    const { signal } = callerBudget(0, mine.signal, {}, { expiresAt: Number.POSITIVE_INFINITY, signal: gone.signal });
    assert.equal(signal?.aborted, false);
    gone.abort();
    assert.equal(signal?.aborted, true);
    assert.equal(
      callerBudget(0, undefined, {}, { expiresAt: Number.POSITIVE_INFINITY, signal: gone.signal }).signal,
      gone.signal,
    );
  });
});
