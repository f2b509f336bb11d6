import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { before, beforeEach, describe, it } from 'node:test';
import {
  circuitBreaker,
  type RequestObserver,
  type ClientOptions,
  createClient,
  CancelledError,
  hedge,
  type Policy,
  retry,
  retryBudget,
  ServerError,
  ThrottledError,
  throttle,
  TimeoutError,
} from '../../../src/index.js';
import type { Clock } from '../../../src/core/clock.js';
import type { AttemptOutcome } from '../../../src/types/observers.js';
import { failureOf } from '../../helpers/failureOf.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';

/** The real time, with waits (the hedge delay) that end only when the test fires them. */
function heldClock(): Clock & { waits: number[]; fire(): Promise<void> } {
  const pending: (() => void)[] = [];
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    sleep(ms, signal) {
      waits.push(ms);
      return new Promise<void>((resolve, reject) => {
        pending.push(resolve);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    },
    async fire() {
      const next = pending.shift();
      assert.ok(next, 'no wait pending');
      next();
      await tick();
    },
  };
}

/** An observer counting the attempts started: a hedge starts its attempt as soon as it is admitted. */
function countingAttempts() {
  const counter = {
    started: 0,
    observer: {
      attemptStarted: () => {
        counter.started++;
        return undefined;
      },
    } satisfies RequestObserver,
  };
  return counter;
}

/**
 * A route whose first request is held unanswered until `release()` (or until the client
 * closes it) and whose later requests answer 200 at once.
 */
function firstHeld() {
  let held: ServerResponse | undefined;
  let arrived: () => void = () => undefined;
  let closed: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const firstClosed = new Promise<void>((resolve) => (closed = resolve));
  let count = 0;
  return {
    first,
    firstClosed,
    handler(_request: unknown, response: ServerResponse) {
      if (count++ > 0) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(`{"answer":${count}}`);
        return;
      }
      held = response;
      // The client went away before an answer: the server sees the connection close.
      response.on('close', () => {
        if (!response.writableEnded) closed();
      });
      arrived();
    },
    release() {
      held?.writeHead(200, { 'content-type': 'application/json' }).end('{"answer":1}');
    },
  };
}

describe('hedging against a real upstream', () => {
  const suite = useFlakyUpstream();
  /**
   * A client on `clock` that hedges after 20 ms, signals off unless `options` says otherwise;
   * its list is 0.1's default retry and throttle gate with the hedge, unless `options` gives one.
   */
  const hedgingClient = (clock: Clock, options: ClientOptions = {}) =>
    createClient({
      baseUrl: suite.server.url,
      env: {},
      clock,
      telemetry: { enabled: false },
      resilience: [retry(), throttle(), hedge({ delayMs: 20 })],
      ...options,
    });
  const harness = useOtel();
  let otel: OtelHarness;
  before(() => {
    otel = harness.otel;
  });
  beforeEach(() => otel.reset());

  it('a hedge wins against a slow first attempt; the loser is aborted (the server sees the close) and its span is no error', async () => {
    const route = firstHeld();
    suite.server.handle('/slow', route.handler);
    const logs = captureLogs();
    const clock = heldClock();
    const client = createClient({
      name: 'catalog',
      baseUrl: suite.server.url,
      env: {},
      clock,
      telemetry: { logger: logs.logger, report: false },
      resilience: [retry(), throttle(), hedge({ delayMs: 20 })],
    });
    const call = client.json('/slow');
    await route.first;
    assert.deepEqual(clock.waits, [20]);
    await clock.fire();
    assert.deepEqual(await call, { answer: 2 });
    await route.firstClosed;
    assert.equal(suite.server.hits('/slow'), 2);

    const spans = otel.finishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 2);
    const byIndex = (index: number) => spans.find((span) => span.attributes['faultline.hedge.index'] === index);
    const [loser, winner] = [byIndex(0), byIndex(1)];
    assert.equal(loser?.attributes['faultline.hedge.outcome'], 'lost');
    assert.equal(loser?.attributes['faultline.attempt'], 1);
    assert.equal(loser?.status.code, SpanStatusCode.UNSET, 'a lost attempt is not an error');
    assert.equal(loser?.attributes['error.type'], undefined);
    assert.equal(winner?.attributes['faultline.hedge.outcome'], 'won');
    assert.equal(winner?.attributes['faultline.attempt'], 2);
    assert.equal(winner?.attributes['http.request.resend_count'], 1);
    assert.equal(winner?.attributes['http.response.status_code'], 200);
    assert.equal(winner?.status.code, SpanStatusCode.UNSET);
    // One trace: the hedge starts under the first attempt, as a retry does.
    assert.equal(winner?.spanContext().traceId, loser?.spanContext().traceId);
    assert.equal(winner?.parentSpanContext?.spanId, loser?.spanContext().spanId);

    const line = logs.lines.find((l) => l['faultline.attempts'] !== undefined);
    assert.equal(line?.['faultline.hedges'], 1);
    assert.equal(line?.['faultline.attempts'], 2);
    const metrics = await otel.collect();
    const won = pointsOf(metrics.get('faultline.hedges'), { 'faultline.upstream': 'catalog' });
    assert.deepEqual(
      won.map((point) => [point.attributes['faultline.hedge.outcome'], point.value]),
      [['won', 1]],
    );
    const lost = pointsOf<{ count: number }>(metrics.get('http.client.request.duration'), {
      'faultline.upstream': 'catalog',
      'faultline.hedge.outcome': 'lost',
    });
    assert.equal(lost[0]?.value.count, 1);
    await client.close();
  });

  it('a slow first answer that comes before the delay is never hedged', async () => {
    const route = firstHeld();
    suite.server.handle('/quick', route.handler);
    const clock = heldClock();
    const client = hedgingClient(clock);
    const call = client.json('/quick');
    await route.first;
    route.release();
    assert.deepEqual(await call, { answer: 1 });
    assert.equal(suite.server.hits('/quick'), 1);
    await client.close();
  });

  it('a failed attempt waits for the hedge in flight; all failed: the policies decide on the last', async () => {
    let count = 0;
    const held: ServerResponse[] = [];
    suite.server.handle('/both-fail', (_request, response) => {
      count++;
      held.push(response);
    });
    const clock = heldClock();
    const ended: AttemptOutcome[] = [];
    const client = hedgingClient(clock, {
      telemetry: {
        enabled: false,
        observers: [{ attemptStarted: () => ({ run: (fn) => fn(), end: (outcome) => ended.push(outcome) }) }],
      },
      // 0.1: retry: noRetry() (the gate stayed on).
      resilience: [throttle(), hedge({ delayMs: 20 })],
    });
    const call = client.json('/both-fail').catch((error: unknown) => error);
    while (count < 1) await tick();
    await clock.fire();
    while (count < 2) await tick();
    held[0]?.writeHead(503).end();
    while (ended.length < 1) await tick();
    assert.deepEqual(ended[0]?.hedge, { index: 0, outcome: 'failed' });
    assert.equal(ended[0]?.status, 503);
    held[1]?.writeHead(502).end();
    const error = await call;
    assert.ok(error instanceof ServerError);
    assert.equal(error.status, 502, 'the last failure is the call’s');
    assert.equal(error.attempts, 2);
    await client.close();
  });

  it('never hedges a non-idempotent POST; an idempotent one is hedged', async () => {
    const route = firstHeld();
    suite.server.handle('/orders', route.handler);
    const clock = heldClock();
    const client = hedgingClient(clock);
    const post = client.json('/orders', { method: 'POST', json: { sku: 1 } });
    await route.first;
    assert.deepEqual(clock.waits, [], 'no hedge was even timed');
    route.release();
    assert.deepEqual(await post, { answer: 1 });
    assert.equal(suite.server.hits('/orders'), 1);

    const again = firstHeld();
    suite.server.handle('/orders', again.handler);
    const keyed = client.json('/orders', { method: 'POST', json: { sku: 1 }, idempotent: true });
    await again.first;
    await clock.fire();
    assert.deepEqual(await keyed, { answer: 2 });
    assert.equal(suite.server.hits('/orders'), 2);
    await client.close();
  });

  it('never hedges while the throttle gate holds the route', async () => {
    const route = firstHeld();
    suite.server.handle('/rates', route.handler);
    const clock = heldClock();
    const attempts = countingAttempts();
    const gate = throttle();
    const client = hedgingClient(clock, {
      telemetry: { enabled: false, observers: [attempts.observer] },
      resilience: [retry(), gate, hedge({ delayMs: 20 })],
    });
    const call = client.json('/rates');
    await route.first;
    // Another call to the route hears 429 Retry-After: the gate now holds the route.
    suite.server.script('/rates', { status: 429, headers: { 'retry-after': '30' } });
    // 0.1: { retry: noRetry(), hedge: false }: a list of the client's gate alone.
    await assert.rejects(client.json('/rates', { resilience: [gate] }), ThrottledError);
    await clock.fire();
    assert.equal(attempts.started, 2, 'no hedge was started');
    route.release();
    assert.deepEqual(await call, { answer: 1 });
    assert.equal(suite.server.hits('/rates'), 1, 'the 429 only: no hedge was sent');
    await client.close();
  });

  it('never hedges while the circuit is open', async () => {
    const route = firstHeld();
    suite.server.handle('/stock', route.handler);
    const clock = heldClock();
    // 0.1: retry: circuitBreaker(noRetry(), { failureThreshold: 1 }), the gate on.
    const gate = throttle();
    const breaker = circuitBreaker({ failureThreshold: 1 });
    const attempts = countingAttempts();
    const client = hedgingClient(clock, {
      name: 'stock',
      telemetry: { enabled: false, observers: [attempts.observer] },
      resilience: [gate, breaker, hedge({ delayMs: 20 })],
    });
    const call = client.json('/stock');
    await route.first;
    // 0.1: { hedge: false }: the client's list without the hedge.
    await assert.rejects(client.json('/status/503', { resilience: [gate, breaker] }), ServerError);
    assert.equal(breaker.stateOf('stock'), 'open');
    await clock.fire();
    assert.equal(attempts.started, 2, 'no hedge was started');
    route.release();
    assert.deepEqual(await call, { answer: 1 });
    assert.equal(suite.server.hits('/stock'), 1);
    await client.close();
  });

  it('never hedges when the retry budget is spent', async () => {
    const route = firstHeld();
    suite.server.handle('/budget', route.handler);
    const clock = heldClock();
    // 0.1: retry: retryBudget(exponentialBackoff(), { ratio: 0, minRetriesPerSecond: 0 }).
    const attempts = countingAttempts();
    const client = hedgingClient(clock, {
      telemetry: { enabled: false, observers: [attempts.observer] },
      resilience: [retry(), throttle(), retryBudget({ ratio: 0, minRetriesPerSecond: 0 }), hedge({ delayMs: 20 })],
    });
    const call = client.json('/budget');
    await route.first;
    await clock.fire();
    assert.equal(attempts.started, 1, 'no hedge was started');
    route.release();
    assert.deepEqual(await call, { answer: 1 });
    assert.equal(suite.server.hits('/budget'), 1);
    await client.close();
  });
  // The race lets go of the winner's lane when it settles; a streamed body must still end
  // with the call (a test that fails hangs until its timeout).
  it("a hedged call's streamed Response body still ends on the caller's abort", { timeout: 10_000 }, async () => {
    suite.server.script('/stream-abort', { fault: 'stall-mid-body' });
    const client = createClient({
      baseUrl: suite.server.url,
      env: {},
      clock: heldClock(),
      telemetry: { enabled: false },
      resilience: [throttle(), hedge({ delayMs: 20 })],
    });
    const controller = new AbortController();
    const res = await client.get('/stream-abort', { signal: controller.signal });
    assert.equal(res.status, 200);
    controller.abort();
    const error = await failureOf(() => res.text());
    assert.ok(error instanceof CancelledError, error.name);
    await client.close();
  });

  it("a hedged call's streamed Response body still ends at the total deadline", { timeout: 10_000 }, async () => {
    suite.server.script('/stream-total', { fault: 'stall-mid-body' });
    const client = createClient({
      baseUrl: suite.server.url,
      env: {},
      clock: heldClock(),
      telemetry: { enabled: false },
      resilience: [throttle(), hedge({ delayMs: 20 })],
      timeout: { totalMs: 80, attemptMs: 0 },
    });
    const res = await client.get('/stream-total');
    const error = await failureOf(() => res.text());
    assert.ok(error instanceof TimeoutError, error.name);
    assert.equal(error.phase, 'total');
    await client.close();
  });

  it("an app's own hedging policy that throws is reported, and the call goes on unhedged", async () => {
    suite.server.script('/own', { status: 200, body: '{"ok":true}' });
    const logs = captureLogs();
    const attempts = countingAttempts();
    // 0.1: a HedgePolicy whose delayFor and record threw; 0.2: its hedge hook, and its plan's answered.
    const throwing: Policy = {
      name: 'ownHedge',
      build: () => ({
        hedge() {
          throw new Error('hedge exploded');
        },
      }),
    };
    const deaf: Policy = {
      name: 'deafHedge',
      build: () => ({
        hedge: () => ({
          delayMs: 60_000,
          maxHedges: 1,
          answered() {
            throw new Error('answered exploded');
          },
        }),
      }),
    };
    const client = createClient({
      name: 'own',
      baseUrl: suite.server.url,
      env: {},
      clock: heldClock(),
      telemetry: { logger: logs.logger, report: false, observers: [attempts.observer] },
      resilience: [throwing],
    });
    assert.deepEqual(await client.json('/own'), { ok: true });
    // The same kind of policy in a call's own list is guarded too.
    assert.deepEqual(await client.json('/own', { resilience: [deaf] }), { ok: true });
    assert.equal(attempts.started, 2, 'no hedge was sent');
    const warnings = logs.lines.filter((line) => line.level === 'warn').map((line) => String(line.message));
    assert.ok(
      warnings.some((message) => message.includes('ownHedge (hedge)')),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((message) => message.includes('deafHedge (answered)')),
      warnings.join('\n'),
    );
    await client.close();
  });
});
