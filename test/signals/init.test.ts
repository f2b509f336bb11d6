import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FlakyUpstream, startFlakyUpstream } from '../../examples/support/flakyUpstream.js';
import { type SentrySink, startSentrySink } from '../../examples/support/sentrySink.js';
import { createClient, type FaultlineRuntime, init, noRetry } from '../../src/index.js';
import { captureLogs } from '../helpers/captureLogs.js';

describe('init() sets up what the environment asks for', () => {
  let upstream: FlakyUpstream;
  let collector: FlakyUpstream;
  let sink: SentrySink;
  let runtime: FaultlineRuntime;
  const logs = captureLogs('info');

  before(async () => {
    upstream = await startFlakyUpstream();
    collector = await startFlakyUpstream();
    sink = await startSentrySink();
    Object.assign(process.env, {
      SENTRY_DSN: sink.dsn,
      SENTRY_ENVIRONMENT: 'ci',
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    runtime = await init({ logger: logs.logger, shutdownTimeoutMs: 3000 });
  });
  after(async () => {
    await runtime.shutdown();
    await sink.close();
    await collector.close();
    await upstream.close();
  });

  it('starts Sentry and the OpenTelemetry NodeSDK', () => {
    assert.deepEqual(runtime.started, { sentry: true, openTelemetry: true });
    assert.deepEqual(runtime.found, { sentry: false, openTelemetry: false });
  });

  it('a second init() finds both and starts nothing twice', async () => {
    const again = await init({ logger: logs.logger });
    assert.deepEqual(again.started, { sentry: false, openTelemetry: false });
    assert.deepEqual(again.found, { sentry: true, openTelemetry: true });
  });

  it('a failed call reaches Sentry linked to the trace the upstream saw, and shutdown() flushes the spans', async () => {
    upstream.script('/orders/7', { status: 503 });
    const client = createClient({ name: 'orders', baseUrl: upstream.url, retry: noRetry() });
    await assert.rejects(client.get('/orders/7'));
    const traceparent = String(upstream.seen('/orders/7')[0]?.headers['traceparent']);
    const [, traceId, spanId] = traceparent.split('-');
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);

    const started = Date.now();
    await runtime.shutdown();
    assert.ok(Date.now() - started < 3500, 'shutdown() is bounded');

    const event = sink.events().find((e) => e.tags?.['faultline.upstream'] === 'orders');
    assert.ok(event, 'Sentry got the event');
    assert.equal(event.contexts?.['trace']?.['trace_id'], traceId);
    assert.equal(event.contexts?.['trace']?.['span_id'], spanId);

    const exported = collector
      .seen('/v1/traces')
      .map((r) => r.body)
      .join('\n');
    assert.match(exported, new RegExp(spanId ?? 'missing'), 'the attempt span was exported over OTLP');
    assert.match(exported, /faultline\.upstream/);
    assert.match(exported, /checkout/, 'with the service name');
    assert.ok(collector.hits('/v1/metrics') >= 1, 'metrics were flushed');
    assert.ok(logs.lines.some((line) => line['faultline.upstream'] === 'orders' && line['trace_id'] === traceId));
  });
});
