// Finding 8 of issue 22: span hooks in the spirit of instrumentation-undici's startSpanHook,
// responseHook and ignoreRequestHook, guarded like all user code; with the real SDK.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { ConfigError, createClient } from '../../../src/index.js';
import type { SpanHooks } from '../../../src/types/spanHooks.js';
import { type CapturedLogs, captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

describe('spanHooks', () => {
  let server: FaultServer;
  let otel: OtelHarness;
  let logs: CapturedLogs;
  before(async () => {
    server = await startFaultServer();
    otel = startOtel();
  });
  after(async () => {
    await otel.shutdown();
    await server.close();
  });
  beforeEach(() => {
    otel.reset();
    logs = captureLogs('warn');
  });

  const clientWith = (name: string, spanHooks: SpanHooks) =>
    createClient({
      name,
      baseUrl: server.url,
      env: {},
      telemetry: { logger: logs.logger, report: false, spanHooks },
      clock: { now: Date.now, sleep: async () => {} },
    });
  const clientSpans = (upstream: string) =>
    otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT && s.attributes['faultline.upstream'] === upstream);

  it('start adds attributes to each attempt span; end adds to it once the outcome is known', async () => {
    server.script('/hooked', { status: 503 }, { status: 200, body: '{}' });
    const ended: number[] = [];
    const client = clientWith('hooked', {
      start: ({ call, attempt }) => ({ 'app.tenant': 'acme', 'app.route': call.route, 'app.attempt': attempt }),
      end: ({ span, outcome }) => {
        ended.push(outcome.attempt);
        span.setAttribute('app.outcome', outcome.failure?.kind ?? 'ok');
      },
    });
    await client.json('/hooked');
    const spans = clientSpans('hooked');
    assert.equal(spans.length, 2);
    assert.deepEqual(
      spans.map((s) => [s.attributes['app.tenant'], s.attributes['app.attempt'], s.attributes['app.outcome']]),
      [
        ['acme', 1, 'server'],
        ['acme', 2, 'ok'],
      ],
    );
    assert.equal(spans[0]?.attributes['app.route'], '/hooked');
    // faultline's own attributes are all still there.
    assert.equal(spans[0]?.attributes['faultline.failure.kind'], 'server');
    assert.deepEqual(ended, [1, 2]);
  });

  it('ignore: no span for the call or its retries; metrics and log lines as usual; the caller context is sent', async () => {
    server.script('/health', { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const asked: number[] = [];
    const client = clientWith('ignored', {
      ignore: ({ call, attempt }) => {
        asked.push(attempt);
        return call.route === '/health';
      },
    });
    const parent = trace.getTracer('app').startSpan('app work');
    await assert.rejects(context.with(trace.setSpan(context.active(), parent), () => client.json('/health')));
    parent.end();
    assert.deepEqual(clientSpans('ignored'), []);
    // Asked once, at the first attempt: the answer holds for the retries.
    assert.deepEqual(asked, [1]);
    // Every attempt carried the caller's span as parent.
    const seen = server.seen('/health');
    assert.ok(seen.length > 1);
    for (const request of seen)
      assert.match(String(request.headers['traceparent']), new RegExp(`-${parent.spanContext().spanId}-`));
    // Metrics: one duration point per attempt, by faultline.
    const { resourceMetrics } = await otel.metricReader.collect();
    const duration = resourceMetrics.scopeMetrics
      .find((scope) => scope.scope.name === 'faultline')
      ?.metrics.find((metric) => metric.descriptor.name === 'http.client.request.duration') as
      HistogramMetricData | undefined;
    const points = duration?.dataPoints.filter((p) => p.attributes['faultline.upstream'] === 'ignored') ?? [];
    assert.equal(
      points.reduce((sum, p) => sum + p.value.count, 0),
      seen.length,
    );
    // The failed call's log line is written, joined to the caller's trace.
    const line = logs.lines.find((l) => l['faultline.upstream'] === 'ignored' && l.level === 'error');
    assert.equal(line?.['trace_id'], parent.spanContext().traceId);
  });

  it('ignore answering false leaves the spans alone', async () => {
    server.script('/kept', { status: 200, body: '{}' });
    await clientWith('kept', { ignore: () => false }).json('/kept');
    assert.equal(clientSpans('kept').length, 1);
  });

  it('a hook that throws or answers outside its contract is reported once; the call and its span go on', async () => {
    server.script('/broken', ...Array.from({ length: 4 }, () => ({ status: 200, body: '{}' })));
    const client = clientWith('broken', {
      start: () => {
        throw new Error('tenant lookup failed');
      },
      end: async () => {},
      ignore: () => 'yes' as unknown as boolean,
    });
    for (let i = 0; i < 4; i++) assert.deepEqual(await client.json('/broken'), {});
    // Spans made as if the hooks were not there.
    const spans = clientSpans('broken');
    assert.equal(spans.length, 4);
    assert.equal(spans[0]?.attributes['faultline.attempt'], 1);
    const warnings = logs.lines.filter((l) => l.level === 'warn').map((l) => String(l.message));
    for (const hook of ['spanHooks.start', 'spanHooks.end', 'spanHooks.ignore'])
      assert.equal(warnings.filter((m) => m.includes(hook)).length, 1, `${hook}: ${warnings.join(' | ')}`);
    const start = logs.lines.find((l) => String(l.message).includes('spanHooks.start'));
    assert.equal(start?.['error'], 'Error: tenant lookup failed');
    const ignore = logs.lines.find((l) => String(l.message).includes('spanHooks.ignore'));
    assert.equal(ignore?.['error'], 'TypeError: returned "yes"; expected true or false');
  });

  it('a spanHooks option that is not hooks is a ConfigError naming it', () => {
    assert.throws(
      () =>
        createClient({
          baseUrl: server.url,
          env: {},
          telemetry: { spanHooks: { start: 'tenant' } as unknown as SpanHooks },
        }),
      (error: unknown) => error instanceof ConfigError && /spanHooks/.test(error.message),
    );
  });
});
