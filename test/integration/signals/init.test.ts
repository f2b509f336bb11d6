import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, type FaultlineRuntime, init } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';

/** Sets `vars` on process.env (which the NodeSDK reads) while `run` runs. */
async function withProcessEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

// Runs before the suite below registers an SDK for the rest of the process.
describe('init() starts the OpenTelemetry NodeSDK only when an exporter is asked for', () => {
  const logs = captureLogs('info');

  it('OTEL_SERVICE_NAME alone names the service in log lines and starts nothing', async () => {
    for (const env of [
      { OTEL_SERVICE_NAME: 'x' },
      { OTEL_SERVICE_NAME: 'x', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=ci' },
      { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      { OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' },
    ]) {
      const runtime = await init({ env, logger: logs.logger });
      assert.deepEqual(runtime.started, { sentry: false, openTelemetry: false }, JSON.stringify(env));
      await runtime.shutdown();
    }
    const named = await init({ env: { OTEL_SERVICE_NAME: 'x', FAULTLINE_LOG_LEVEL: 'error' } });
    assert.equal(named.started.openTelemetry, false);
    assert.equal(named.logger.defaultMeta?.['service.name'], 'x');
    await named.shutdown();
  });

  it('an exporter variable other than none starts it', async () => {
    const vars = { OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
    await withProcessEnv(vars, async () => {
      const runtime = await init({ env: { ...vars, OTEL_SERVICE_NAME: 'x' }, logger: logs.logger });
      try {
        assert.deepEqual(runtime.started, { sentry: false, openTelemetry: true });
      } finally {
        await runtime.shutdown();
        // Leave no provider behind for the suite below, which expects to start its own.
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
      }
    });
  });
});

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
    const client = createClient({ name: 'orders', baseUrl: upstream.url, resilience: [] });
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
