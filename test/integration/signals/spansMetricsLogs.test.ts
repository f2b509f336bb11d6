import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, beforeEach, describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import winston from 'winston';
import type { FaultServer as FlakyUpstream } from '../../../src/testing/index.js';
import { createClient, isRequestFailure, type Policy, retry, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';

/** A call's list without any policy: no retry (0.1's `noRetry()`). */
const NO_POLICIES: readonly Policy[] = [];

/** One assertion helper per kind of signal: a span's name, kind, status and attributes. */
function expectSpan(
  span: ReadableSpan | undefined,
  expected: { name: string; status: SpanStatusCode; attributes: Record<string, unknown> },
): void {
  assert.ok(span, 'span exists');
  assert.equal(span.name, expected.name);
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.status.code, expected.status);
  for (const [key, value] of Object.entries(expected.attributes)) {
    assert.deepEqual(span.attributes[key], value, `span attribute ${key}`);
  }
}

/** A log line's fields. */
function expectLogLine(line: Record<string, unknown> | undefined, expected: Record<string, unknown>): void {
  assert.ok(line, 'log line exists');
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(line[key], value, `log field ${key}`);
}

describe('spans, metrics and logs of a call', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let server: FlakyUpstream;
  let otel: OtelHarness;
  before(() => {
    server = upstream.server;
    otel = harness.otel;
  });
  beforeEach(() => otel.reset());

  it('a retried then failed call: one CLIENT span per attempt with semconv attributes', async () => {
    server.script('/v1/charges/42', { status: 503 }, { status: 503 }, { status: 502 });
    const logs = captureLogs();
    const client = createClient({
      name: 'payments',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger: logs.logger, report: false },
    });
    await assert.rejects(client.get('/v1/charges/42?token=s3cr3t-value', { route: '/v1/charges/{id}' }));
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 3);
    // No span was active: the first attempt roots the trace and the resends start under it,
    // so the call is one trace with no span besides the attempts' (semconv: no logical span).
    assert.equal(otel.finishedSpans().length, 3, 'only the attempts are spans');
    const [rootSpan, ...resends] = spans;
    assert.equal(rootSpan?.parentSpanContext, undefined);
    for (const span of resends) {
      assert.equal(span.spanContext().traceId, rootSpan?.spanContext().traceId);
      assert.equal(span.parentSpanContext?.spanId, rootSpan?.spanContext().spanId);
    }
    const url = `${server.url}/v1/charges/42?token=REDACTED`;
    const common = {
      'http.request.method': 'GET',
      'url.full': url,
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'faultline.upstream': 'payments',
      'faultline.route': '/v1/charges/{id}',
      'url.template': '/v1/charges/{id}',
    };
    expectSpan(spans[0], {
      name: 'GET /v1/charges/{id}',
      status: SpanStatusCode.ERROR,
      attributes: {
        ...common,
        'http.response.status_code': 503,
        'error.type': '503',
        'faultline.failure.kind': 'server',
        'faultline.attempt': 1,
        'faultline.retry.reason': 'backoff',
        'faultline.retry.delay_source': 'backoff',
      },
    });
    assert.equal(spans[0]?.attributes['http.request.resend_count'], undefined, 'no resend_count on the first attempt');
    expectSpan(spans[1], {
      name: 'GET /v1/charges/{id}',
      status: SpanStatusCode.ERROR,
      attributes: { ...common, 'http.request.resend_count': 1, 'faultline.attempt': 2 },
    });
    expectSpan(spans[2], {
      name: 'GET /v1/charges/{id}',
      status: SpanStatusCode.ERROR,
      attributes: {
        ...common,
        'http.request.resend_count': 2,
        'http.response.status_code': 502,
        'error.type': '502',
        'faultline.stop_reason': 'max_attempts',
      },
    });
    assert.equal(spans[0]?.events[0]?.name, 'faultline.retry_scheduled');

    // The upstream saw each attempt's own traceparent.
    const seen = server.seen('/v1/charges/42');
    spans.forEach((span, i) => {
      const { traceId, spanId } = span.spanContext();
      assert.equal(seen[i]?.headers['traceparent'], `00-${traceId}-${spanId}-01`);
    });

    // Logs: a warn line per retried attempt and an error line for the call, joined to the spans.
    const [first, second, final] = logs.lines;
    assert.equal(logs.lines.length, 3);
    expectLogLine(first, {
      level: 'warn',
      'http.request.method': 'GET',
      'url.full': url,
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'http.response.status_code': 503,
      'error.type': '503',
      'faultline.failure.kind': 'server',
      'faultline.upstream': 'payments',
      'faultline.attempt': 1,
      'faultline.route': '/v1/charges/{id}',
      'faultline.retry.reason': 'backoff',
      trace_id: spans[0]?.spanContext().traceId,
      span_id: spans[0]?.spanContext().spanId,
    });
    expectLogLine(second, {
      level: 'warn',
      'faultline.attempt': 2,
      'http.request.resend_count': 1,
      span_id: spans[1]?.spanContext().spanId,
    });
    expectLogLine(final, {
      level: 'error',
      'faultline.attempts': 3,
      'http.request.resend_count': 2,
      'error.type': '502',
      'faultline.failure.kind': 'server',
      'faultline.stop_reason': 'max_attempts',
      span_id: spans[2]?.spanContext().spanId,
    });
    assert.doesNotMatch(JSON.stringify(logs.lines), /s3cr3t-value/);
  });

  it('under the caller’s span, the attempts of a retried call are siblings', async () => {
    server.script('/v1/stock', { status: 503 }, { status: 200, body: '{"ok":true}' });
    const client = createClient({
      name: 'stock',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { report: false },
    });
    const parent = trace.getTracer('test').startSpan('handler');
    await context.with(trace.setSpan(context.active(), parent), () => client.json('/v1/stock'));
    parent.end();
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 2);
    for (const span of spans) assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(spans[1]?.attributes['http.request.resend_count'], 1);
  });

  it('spans are children of the caller’s active span; success logs at debug', async () => {
    const logs = captureLogs('debug');
    const client = createClient({
      name: 'inventory',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: logs.logger, report: false },
    });
    const parent = trace.getTracer('test').startSpan('handler');
    await context.with(trace.setSpan(context.active(), parent), () => client.json('/items'));
    parent.end();
    const [span] = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(span?.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.deepEqual(
      otel.finishedSpans().map((s) => s.name),
      ['GET', 'handler'],
      'no call span under an active parent',
    );
    assert.equal(span?.status.code, SpanStatusCode.UNSET);
    assert.equal(span?.attributes['http.response.status_code'], 200);
    expectLogLine(logs.lines[0], {
      level: 'debug',
      'http.response.status_code': 200,
      'faultline.attempts': 1,
      span_id: span?.spanContext().spanId,
    });
  });

  it("an application's own winston child logger: its metadata and format, faultline's fields", async () => {
    server.script('/v1/stock', { status: 503 });
    const lines: string[] = [];
    const appLogger = winston.createLogger({
      level: 'info',
      defaultMeta: { 'service.name': 'checkout' },
      format: winston.format.json(),
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(chunk: Buffer, _encoding, done) {
              lines.push(String(chunk));
              done();
            },
          }),
        }),
      ],
    });
    const client = createClient({
      name: 'inventory',
      baseUrl: server.url,
      env: {},
      resilience: NO_POLICIES,
      telemetry: { logger: appLogger.child({ request_id: 'r-17' }), report: false },
    });
    await assert.rejects(client.get('/v1/stock'));
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    const [span] = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expectLogLine(line, {
      level: 'error',
      message: 'inventory GET /v1/stock failed: server 503 after 1 attempt',
      'service.name': 'checkout',
      request_id: 'r-17',
      'faultline.upstream': 'inventory',
      'faultline.failure.kind': 'server',
      'error.type': '503',
      'http.response.status_code': 503,
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
  });

  it('cancellation is not an error: span status stays unset, log at info', async () => {
    server.script('/hang', { fault: 'hang' });
    const logs = captureLogs('info');
    const client = createClient({
      baseUrl: server.url,
      env: {},
      telemetry: { logger: logs.logger, report: false },
    });
    const controller = new AbortController();
    const pending = client.get('/hang', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, (error) => isRequestFailure(error) && error.kind === 'cancelled');
    const [span] = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(span?.status.code, SpanStatusCode.UNSET);
    assert.equal(span?.attributes['faultline.failure.kind'], 'cancelled');
    expectLogLine(logs.lines[0], { level: 'info', 'faultline.failure.kind': 'cancelled' });
  });

  it('metrics: the semconv duration histogram, attempts, retries with their source, failures by kind', async () => {
    server.script('/m-throttled', { status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: '{}' });
    server.script('/m-down', { status: 500 });
    const client = createClient({
      name: 'metered',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { report: false, logger: captureLogs('error').logger },
    });
    await client.get('/m-throttled');
    await assert.rejects(client.get('/m-down', { resilience: NO_POLICIES }));
    const metrics = await otel.collect();
    const duration = metrics.get('http.client.request.duration');
    assert.equal(duration?.descriptor.unit, 's');
    const points = pointsOf<{ count: number; buckets: { boundaries: number[] } }>(duration, {
      'faultline.upstream': 'metered',
    });
    assert.equal(
      points.reduce((sum, p) => sum + p.value.count, 0),
      3,
    );
    assert.deepEqual(
      points[0]?.value.buckets.boundaries,
      [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    );
    assert.equal(
      pointsOf(duration, {
        'faultline.upstream': 'metered',
        'error.type': '429',
        'http.response.status_code': 429,
      }).length,
      1,
    );
    const retries = pointsOf(metrics.get('faultline.retries'), {
      'faultline.upstream': 'metered',
      'faultline.retry.reason': 'retry_after',
      'faultline.retry.delay_source': 'server',
    });
    assert.equal(retries[0]?.value, 1);
    const waits = pointsOf<{ sum: number }>(metrics.get('faultline.retry.delay'), {
      'faultline.upstream': 'metered',
    });
    assert.equal(waits[0]?.value.sum, 2);
    const failures = pointsOf(metrics.get('faultline.failures'), {
      'faultline.upstream': 'metered',
      'faultline.failure.kind': 'server',
      'faultline.stop_reason': 'no_retry',
    });
    assert.equal(failures[0]?.value, 1);
    // Calls are attempts minus retries: 3 attempts, 1 retry.
    const retried = pointsOf(metrics.get('faultline.retries'), { 'faultline.upstream': 'metered' });
    assert.equal(
      retried.reduce((sum, p) => sum + (p.value as number), 0),
      1,
    );
  });

  it('a retried attempt that fails on a 401 and is replayed after a refresh shows the reason', async () => {
    server.script('/auth', { status: 401 }, { status: 200, body: '{}' });
    const client = createClient({
      baseUrl: server.url,
      env: {},
      telemetry: { report: false, logger: captureLogs('error').logger },
      resilience: [retry(), throttle()],
      auth: { apply: () => {}, onUnauthorized: () => true },
    });
    await client.get('/auth');
    const [first] = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(first?.attributes['faultline.retry.reason'], 'auth_refresh');
  });
});
