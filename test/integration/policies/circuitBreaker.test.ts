import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { circuitBreaker, CircuitOpenError, createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';

/** Settles a call to what a user sees of it: the body, or the failure's kind and code. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (error: { kind?: string; code?: string }) => `${error.kind}:${error.code}`,
  );

describe('circuit breaker against a real upstream', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let otel: OtelHarness;
  before(() => {
    otel = harness.otel;
  });
  beforeEach(() => otel.reset());

  it('perRoute: a route failing 30% opens only its own circuit; the healthy routes keep flowing', async () => {
    const { server } = upstream;
    // 3 in 10 requests of /v1/flaky fail with 503; /v1/a and /v1/b always answer.
    server.cycle('/v1/flaky', 503, 200, 200, 503, 200, 200, 503, 200, 200, 200);
    server.cycle('/v1/a', { status: 200, json: { a: 1 } });
    server.cycle('/v1/b', { status: 200, json: { b: 1 } });
    const clock = fakeClock();
    const logs = captureLogs();
    // 0.1: circuitBreaker(noRetry(), { ..., now }): 0.2 lists the breaker alone, on the client's clock.
    const breaker = circuitBreaker({ failureRatio: 0.25, minimumThroughput: 10, perRoute: true });
    const client = createClient({
      name: 'payments',
      baseUrl: server.url,
      clock,
      env: {},
      telemetry: { report: false, logger: logs.logger },
      resilience: [breaker],
    });
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      assert.equal(await outcome(client.json('/v1/a')), 'ok');
      seen.push(await outcome(client.json('/v1/flaky')));
      assert.equal(await outcome(client.json('/v1/b')), 'ok');
    }
    assert.equal(seen.filter((s) => s === 'server:503').length, 3);
    assert.equal(breaker.stateOf('payments', '/v1/flaky'), 'open', '3 of 10 calls failed: at least 25%');
    assert.equal(breaker.stateOf('payments', '/v1/a'), 'closed');
    assert.equal(breaker.stateOf('payments', '/v1/b'), 'closed');

    otel.reset();
    logs.reset();
    const refused = await client.json('/v1/flaky').catch((error: unknown) => error);
    assert.ok(refused instanceof CircuitOpenError);
    assert.equal(refused.kind, 'circuit_open');
    assert.equal(refused.code, 'CIRCUIT_OPEN');
    assert.match(refused.message, /3 of 10 calls over 30000 ms failed \(threshold 25%\)/);
    assert.equal(server.hits('/v1/flaky'), 10, 'refused unsent');
    assert.deepEqual(await client.json('/v1/a'), { a: 1 }, 'the same upstream’s other routes are not blacked out');
    assert.deepEqual(await client.json('/v1/b'), { b: 1 });

    // What users see: no span for the refused attempt (nothing was sent), one for each healthy call.
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.deepEqual(
      spans.map((s) => s.attributes['faultline.route']),
      ['/v1/a', '/v1/b'],
    );
    const line = logs.lines.find((l) => l['faultline.failure.kind'] === 'circuit_open');
    assert.ok(line, 'the refused call is logged');
    assert.equal(line['faultline.upstream'], 'payments');
    assert.equal(line['faultline.route'], '/v1/flaky');
    assert.equal(line['error.type'], 'CIRCUIT_OPEN');
    assert.equal(line['faultline.stop_reason'], 'circuit_open');

    // The gauge has a series per circuit the client has seen, labelled by upstream and route
    // (0.2: a circuit is told when first seen, closed = 0; 0.1 told only those that changed).
    const metrics = await otel.collect();
    const gauge = pointsOf(metrics.get('faultline.circuit.state'));
    assert.deepEqual(
      gauge
        .map((p): Record<string, unknown> => ({ ...p.attributes, value: p.value }))
        .sort((a, b) => String(a['faultline.route']).localeCompare(String(b['faultline.route']))),
      [
        { 'faultline.upstream': 'payments', 'faultline.route': '/v1/a', value: 0 },
        { 'faultline.upstream': 'payments', 'faultline.route': '/v1/b', value: 0 },
        { 'faultline.upstream': 'payments', 'faultline.route': '/v1/flaky', value: 2 },
      ],
    );
    const failures = pointsOf(metrics.get('faultline.failures'), {
      'faultline.upstream': 'payments',
      'faultline.failure.kind': 'circuit_open',
    });
    assert.deepEqual(
      failures.map((p) => p.value),
      [1],
    );

    // After the break (5 s by default, on the fake clock) one trial goes; the route has healed.
    server.cycle('/v1/flaky', { status: 200, json: { healed: true } });
    clock.advance(4_999);
    assert.equal(await outcome(client.json('/v1/flaky')), 'circuit_open:CIRCUIT_OPEN');
    clock.advance(1);
    assert.deepEqual(await client.json('/v1/flaky'), { healed: true });
    assert.equal(breaker.stateOf('payments', '/v1/flaky'), 'closed');
  });

  it('slowCallMs: a route whose answers are slow opens its circuit, though every answer is a 200', async () => {
    const { server } = upstream;
    server.cycle('/v1/slow', { status: 200, json: {}, delayMs: 80 });
    server.cycle('/v1/fast', { status: 200, json: {} });
    const clock = fakeClock();
    const breaker = circuitBreaker({ slowCallMs: 30, minimumThroughput: 4, perRoute: true });
    const client = createClient({
      name: 'search',
      baseUrl: server.url,
      clock,
      env: {},
      telemetry: { enabled: false },
      resilience: [breaker],
    });
    for (let i = 0; i < 4; i++) {
      assert.equal(await outcome(client.json('/v1/fast')), 'ok');
      assert.equal(await outcome(client.json('/v1/slow')), 'ok');
    }
    assert.equal(breaker.stateOf('search', '/v1/slow'), 'open', 'every one of 4 calls took over 30 ms');
    assert.equal(breaker.stateOf('search', '/v1/fast'), 'closed');
    const refused = await client.json('/v1/slow').catch((error: unknown) => error);
    assert.ok(refused instanceof CircuitOpenError);
    assert.match(refused.message, /4 of 4 calls over 30000 ms took longer than 30 ms/);
    assert.equal(server.hits('/v1/slow'), 4, 'refused unsent');
    assert.equal(await outcome(client.json('/v1/fast')), 'ok');
  });
});
