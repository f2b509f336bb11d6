import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import {
  adaptiveConcurrency,
  type AdaptiveConcurrencyOptions,
  type AdaptiveConcurrencyPolicy,
  CancelledError,
  createClient,
  hedge,
  LoadShedError,
  type Policy,
} from '../../../src/index.js';
import { startSentrySink, type SentrySink } from '../../../src/testing/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';

/** A fixed limit: minLimit = maxLimit = initialLimit (the probe then changes nothing). */
const fixed = (limit: number, extra: AdaptiveConcurrencyOptions = {}): AdaptiveConcurrencyPolicy =>
  adaptiveConcurrency({ initialLimit: limit, minLimit: limit, maxLimit: limit, minRttSamples: 1, ...extra });

/** A route that holds every request until the test answers it, in the order they arrived. */
function held() {
  const waiting: Array<{ path: string; response: ServerResponse }> = [];
  const arrived: string[] = [];
  let heard: () => void = () => undefined;
  return {
    arrived,
    handler(request: { path: string }, response: ServerResponse) {
      const path = new URL(request.path, 'http://x').searchParams.get('n') ?? '?';
      arrived.push(path);
      waiting.push({ path, response });
      heard();
    },
    /** Resolves once `count` requests have arrived. */
    async until(count: number): Promise<void> {
      while (arrived.length < count) await new Promise<void>((resolve) => (heard = resolve));
    },
    answerNext(): void {
      const next = waiting.shift();
      assert.ok(next, 'no request is waiting');
      next.response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n: next.path }));
    },
  };
}

const inFlight = (policy: AdaptiveConcurrencyPolicy): number => policy.limiters().next().value?.inFlight ?? 0;

describe('adaptiveConcurrency against a real upstream', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let otel: OtelHarness;
  let sink: SentrySink;
  before(async () => {
    otel = harness.otel;
    sink = await startSentrySink();
    Sentry.init({ dsn: sink.dsn, defaultIntegrations: false });
  });
  after(async () => {
    await Sentry.close(2000);
    await sink.close();
  });
  beforeEach(() => {
    otel.reset();
    sink.reset();
  });

  const clientWith = (resilience: Policy[], extra: { logger?: unknown; totalMs?: number } = {}) =>
    createClient({
      name: 'inventory',
      baseUrl: upstream.server.url,
      env: {},
      resilience,
      timeout: { totalMs: extra.totalMs ?? 10_000 },
      telemetry: extra.logger === undefined ? { report: false } : { logger: extra.logger as never },
    });

  it('queues calls beyond the limit first in first out, and sends each when a place frees', async () => {
    const route = held();
    upstream.server.handle('/v1/items', route.handler);
    const policy = fixed(1, { queue: { size: 10, maxWaitMs: 10_000 } });
    const client = clientWith([policy]);
    const calls = ['a', 'b', 'c', 'd'].map((n) => client.json(`/v1/items?n=${n}`));
    await route.until(1);
    await tick();
    assert.deepEqual(route.arrived, ['a'], 'one in flight, three queued');
    assert.equal(policy.limiters().next().value?.inFlight, 1);
    for (let i = 1; i <= 4; i++) {
      route.answerNext();
      if (i < 4) await route.until(i + 1);
    }
    assert.deepEqual(await Promise.all(calls), [{ n: 'a' }, { n: 'b' }, { n: 'c' }, { n: 'd' }]);
    assert.deepEqual(route.arrived, ['a', 'b', 'c', 'd']);
    assert.equal(inFlight(policy), 0);
    await client.close();
  });

  it('refuses beyond a full queue as load_shed, unsent, logged, counted, gauged and never sent to Sentry', async () => {
    const route = held();
    upstream.server.handle('/v1/items', route.handler);
    upstream.server.cycle('/v1/broken', 500);
    const logs = captureLogs();
    const policy = fixed(1, { queue: { size: 0 } });
    const client = createClient({
      name: 'inventory',
      baseUrl: upstream.server.url,
      env: {},
      resilience: [policy],
      telemetry: { logger: logs.logger },
    });
    const first = client.json('/v1/items?n=a');
    await route.until(1);
    const refused = await client.json('/v1/items?n=b').catch((error: unknown) => error);
    assert.ok(refused instanceof LoadShedError);
    assert.equal(refused.kind, 'load_shed');
    assert.equal(refused.code, 'CONCURRENCY_LIMIT');
    assert.equal(upstream.server.hits('/v1/items'), 1, 'refused unsent');

    const metrics = await otel.collect();
    const gauge = (name: string) =>
      pointsOf(metrics.get(name)).map((p) => ({ ...p.attributes, value: p.value }) as Record<string, unknown>);
    assert.deepEqual(gauge('faultline.concurrency.limit'), [{ 'faultline.upstream': 'inventory', value: 1 }]);
    assert.deepEqual(gauge('faultline.concurrency.in_flight'), [{ 'faultline.upstream': 'inventory', value: 1 }]);
    const failures = pointsOf(metrics.get('faultline.failures'), { 'faultline.failure.kind': 'load_shed' });
    assert.deepEqual(
      failures.map((p) => p.value),
      [1],
    );
    const line = logs.lines.find((l) => l['faultline.failure.kind'] === 'load_shed');
    assert.ok(line, 'the refusal is logged');
    assert.equal(line.level, 'warn');
    assert.equal(line['faultline.upstream'], 'inventory');
    assert.equal(line['error.type'], 'CONCURRENCY_LIMIT');
    assert.equal(line['faultline.route'], '/v1/items');

    route.answerNext();
    assert.deepEqual(await first, { n: 'a' });
    // A failure Sentry does hear about, so that the silence above is not an idle SDK's.
    await client.json('/v1/broken').catch(() => undefined);
    await Sentry.flush(2000);
    await sink.waitForEvents(1, 2000);
    assert.deepEqual(
      sink.events().map((e) => e.tags?.['faultline.failure.kind']),
      ['server'],
    );
    assert.equal(inFlight(policy), 0);
    await client.close();
  });

  it('refuses at once a call the queue cannot admit within its total timeout (QUEUE_DEADLINE), unsent', async () => {
    upstream.server.cycle('/v1/slow', { status: 200, json: {}, delayMs: 100 });
    const route = held();
    upstream.server.handle('/v1/items', route.handler);
    const policy = fixed(1, { queue: { size: 10, maxWaitMs: 10_000 } });
    const client = clientWith([policy], { totalMs: 10_000 });
    await client.json('/v1/slow'); // minRTT ≥ 100 ms: the probe's one sample
    const first = client.json('/v1/items?n=a');
    await route.until(1);
    const hurried = await client.json('/v1/items?n=b', { timeout: { totalMs: 60 } }).catch((error: unknown) => error);
    assert.ok(hurried instanceof LoadShedError);
    assert.equal(hurried.code, 'QUEUE_DEADLINE');
    assert.equal(route.arrived.length, 1);
    assert.equal(policy.limiters().next().value?.waiting, 0);
    route.answerNext();
    await first;
    await client.close();
  });

  it('a call that waited queue.maxWaitMs (the client’s clock) is refused QUEUE_TIMEOUT, unsent', async () => {
    const route = held();
    upstream.server.handle('/v1/items', route.handler);
    // The client's clock, whose waits end only when the test says so.
    const waits: Array<{ ms: number; end: () => void }> = [];
    const clock = {
      now: () => Date.now(),
      sleep: (ms: number, signal: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          waits.push({ ms, end: resolve });
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    };
    const policy = fixed(1, { queue: { size: 10, maxWaitMs: 250 } });
    const client = createClient({
      name: 'inventory',
      baseUrl: upstream.server.url,
      env: {},
      clock,
      resilience: [policy],
      telemetry: { report: false },
    });
    const first = client.json('/v1/items?n=a');
    await route.until(1);
    const waiting = client.json('/v1/items?n=b').catch((error: unknown) => error);
    await tick();
    assert.equal(policy.limiters().next().value?.waiting, 1);
    assert.deepEqual(
      waits.map((w) => w.ms),
      [250],
    );
    waits[0]?.end();
    const refused = await waiting;
    assert.ok(refused instanceof LoadShedError);
    assert.equal(refused.code, 'QUEUE_TIMEOUT');
    assert.equal(policy.limiters().next().value?.waiting, 0);
    route.answerNext();
    await first;
    assert.deepEqual(route.arrived, ['a']);
    assert.equal(inFlight(policy), 0);
    await client.close();
  });

  it('a caller’s abort takes its call out of the queue: never sent, and the next in line goes', async () => {
    const route = held();
    upstream.server.handle('/v1/items', route.handler);
    const policy = fixed(1, { queue: { size: 10, maxWaitMs: 10_000 } });
    const client = clientWith([policy]);
    const first = client.json('/v1/items?n=a');
    await route.until(1);
    const controller = new AbortController();
    const abandoned = client.json('/v1/items?n=b', { signal: controller.signal }).catch((error: unknown) => error);
    const third = client.json('/v1/items?n=c');
    await tick();
    assert.equal(policy.limiters().next().value?.waiting, 2);
    controller.abort();
    const error = await abandoned;
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.equal(policy.limiters().next().value?.waiting, 1);
    route.answerNext();
    await route.until(2);
    route.answerNext();
    assert.deepEqual(await third, { n: 'c' });
    await first;
    assert.deepEqual(route.arrived, ['a', 'c']);
    assert.equal(inFlight(policy), 0);
    await client.close();
  });

  it('releases a place exactly once when an inner policy refuses the attempt it admitted', async () => {
    const policy = fixed(2);
    const refusing: Policy = {
      name: 'closedForTheNight',
      build: () => ({ beforeAttempt: () => ({ kind: 'circuit_open', code: 'CLOSED', message: 'closed' }) }),
    };
    const client = clientWith([policy, refusing]);
    for (let i = 0; i < 5; i++) await client.json('/v1/anything').catch(() => undefined);
    assert.equal(upstream.server.hits('/v1/anything'), 0);
    assert.equal(inFlight(policy), 0);
    await client.close();
  });

  it('releases the places of a hedge race once each: the winner’s and the aborted loser’s', async () => {
    let count = 0;
    const losers: ServerResponse[] = [];
    upstream.server.handle('/v1/hedged', (_request, response) => {
      // The first request never answers; the hedge answers at once.
      if (count++ === 0) losers.push(response);
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"won":true}');
    });
    const policy = fixed(4);
    const client = clientWith([policy, hedge({ delayMs: 20, maxHedges: 1 })]);
    assert.deepEqual(await client.json('/v1/hedged'), { won: true });
    // The loser is aborted; its place is released when its attempt settles.
    for (let i = 0; i < 50 && inFlight(policy) !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(inFlight(policy), 0);
    assert.equal(count, 2);
    await client.close();
  });

  it('a hedge never queues: beyond the limit it is not sent', async () => {
    let count = 0;
    const waiting: ServerResponse[] = [];
    upstream.server.handle('/v1/slowhedge', (_request, response) => {
      count++;
      waiting.push(response);
    });
    const policy = fixed(1, { queue: { size: 10, maxWaitMs: 10_000 } });
    const client = clientWith([policy, hedge({ delayMs: 10, maxHedges: 2 })]);
    const call = client.json('/v1/slowhedge');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(count, 1, 'the hedges were refused, not queued');
    assert.equal(policy.limiters().next().value?.waiting, 0);
    waiting.shift()?.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await call;
    assert.equal(inFlight(policy), 0);
    await client.close();
  });
});
