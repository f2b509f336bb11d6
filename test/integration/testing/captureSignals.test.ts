// captureSignals() with the real SDKs: OpenTelemetry's in-memory readers, a winston capture
// and the loopback Sentry sink, fed by a real faultline client failing against the kit's
// fault server; and its refusal to replace an app's own OpenTelemetry providers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import { createClient, retry, throttle } from 'faultline';
import winston from 'winston';
import {
  captureSignals,
  type CapturedSignals,
  expectFailure,
  expectNoFailure,
  fakeClock,
  type FaultServer,
  startFaultServer,
} from 'faultline/testing';

describe('captureSignals()', () => {
  let server: FaultServer;
  let signals: CapturedSignals;
  before(async () => {
    server = await startFaultServer({ '/v1/rates': [{ status: 429, headers: { 'retry-after': '1' } }, 200] });
    signals = await captureSignals();
    Sentry.init({ dsn: signals.sentry?.dsn, integrations: [Sentry.openTelemetryIntegration()], tracesSampleRate: 0 });
  });
  after(async () => {
    await Sentry.close(2000);
    await signals.close();
    await server.close();
  });

  it('catches the span, metric, log line and Sentry event of a failed call, in plain arrays', async () => {
    server.route('/v1/ledger/*', 503);
    // Created after captureSignals(): the capture's logger is its default.
    const payments = createClient({ name: 'payments', baseUrl: server.url, env: {}, resilience: [] });
    await assert.rejects(payments.get('/v1/ledger/7'));
    await signals.flush();

    const event = expectFailure(signals.events, { kind: 'server', upstream: 'payments', status: 503, method: 'GET' });
    assert.equal(event.level, 'error');
    assert.equal(event.route, '/v1/ledger/{id}');
    const line = expectFailure(signals.logs, { kind: 'server', upstream: 'payments', code: '503', level: 'error' });
    assert.equal((line.source as Record<string, unknown>)['url.full'], `${server.url}/v1/ledger/7`);
    assert.equal(signals.spans.length, 1);
    assert.equal(signals.spans[0]?.kind, SpanKind.CLIENT);
    expectFailure(signals.spans, { kind: 'server', status: 503, code: '503', route: '/v1/ledger/{id}' });
    assert.equal(
      (signals.events[0]?.contexts?.['trace'] as { trace_id?: string } | undefined)?.trace_id,
      signals.spans[0]?.spanContext().traceId,
      'the event joins its span',
    );
    const duration = signals.metrics.find(
      (point) => point.name === 'http.client.request.duration' && point.attributes['error.type'] === '503',
    );
    assert.equal(duration?.value, 1, 'one attempt recorded in the histogram');
    assert.equal(duration?.unit, 's');
  });

  it('reset() empties every array; a retried throttle is told as such, and the success after it is not a failure', async () => {
    signals.reset();
    assert.deepEqual(
      [signals.spans, signals.logs, signals.events, signals.metrics].map((list) => list.length),
      [0, 0, 0, 0],
    );
    const clock = fakeClock();
    const payments = createClient({
      name: 'payments',
      baseUrl: server.url,
      env: {},
      clock,
      resilience: [retry({ maxAttempts: 2 }), throttle()],
    });
    await payments.get('/v1/rates');
    await signals.flush();
    assert.deepEqual(clock.sleeps, [1000]);
    expectFailure(signals.logs, { kind: 'throttled', level: 'warn', status: 429 });
    expectNoFailure(signals.events);
    assert.equal(signals.spans.length, 2, 'one span per attempt');
  });

  it('a logger of the app gets the capture through logTransport', async () => {
    signals.reset();
    // The app's own winston logger (faultline's logger factory is no longer public).
    const appLogger = winston.createLogger({ transports: [signals.logTransport], level: 'debug' });
    appLogger.warn('from the app', { 'faultline.failure.kind': 'timeout', 'faultline.upstream': 'x' });
    expectFailure(signals.logs, { kind: 'timeout', upstream: 'x', level: 'warn' });
  });
});

describe('captureSignals() and an app that has its own OpenTelemetry', () => {
  it('refuses to replace its tracer provider, says what to do, and leaves it in place', async () => {
    const app = new BasicTracerProvider();
    assert.ok(trace.setGlobalTracerProvider(app));
    try {
      await assert.rejects(captureSignals({ sentry: false }), (error: Error) => {
        assert.match(error.message, /tracer provider is already registered/);
        assert.match(error.message, /otel: 'manual'/);
        return true;
      });
      assert.equal((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate(), app);
    } finally {
      trace.disable();
    }
  });

  it("otel: 'manual' builds the processor for the app's own provider, which keeps its spans", async () => {
    const signals = await captureSignals({ otel: 'manual', sentry: false });
    const app = new BasicTracerProvider({ spanProcessors: [signals.otel!.spanProcessor] });
    trace.setGlobalTracerProvider(app);
    try {
      const server = await startFaultServer({ '/x': 500 });
      const client = createClient({ name: 'manual', baseUrl: server.url, env: {}, resilience: [] });
      await assert.rejects(client.get('/x'));
      await server.close();
      expectFailure(signals.spans, { kind: 'server', upstream: 'manual' });
      expectFailure(signals.logs, { kind: 'server', upstream: 'manual' });
    } finally {
      await signals.close();
      await app.shutdown();
      trace.disable();
    }
  });

  it('close() unregisters what it registered: a second capture can start', async () => {
    const first = await captureSignals({ sentry: false });
    await first.close();
    const second = await captureSignals({ sentry: false, defaultLogger: false });
    assert.equal(second.sentry, undefined);
    await second.close();
  });
});
