import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import { Agent } from 'undici';
import { createClient } from '../../../src/index.js';
import { createMetricSignal } from '../../../src/signals/metrics/metricSignal.js';
import { type FaultServer, type SentrySink, startFaultServer, startSentrySink } from '../../../src/testing/index.js';
import type { Failure } from '../../../src/types/failure.js';
import type { CallInfo } from '../../../src/types/observers.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, pointsOf, startOtel } from '../../helpers/otel.js';

/** The stable HTTP client semantic conventions, as a user's backend sees each signal. */
describe('stable HTTP semantic conventions in every signal', () => {
  let server: FaultServer;
  let sink: SentrySink;
  let otel: OtelHarness;

  before(async () => {
    server = await startFaultServer();
    sink = await startSentrySink();
    otel = startOtel();
    Sentry.init({ dsn: sink.dsn, integrations: [Sentry.openTelemetryIntegration()], tracesSampleRate: 1 });
  });
  after(async () => {
    await Sentry.close(2000);
    await otel.shutdown();
    await sink.close();
    await server.close();
  });
  beforeEach(() => otel.reset());

  const clientSpans = (): ReadableSpan[] => otel.finishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
  const clientOf = (name: string, logger = captureLogs('error').logger) =>
    createClient({ name, baseUrl: server.url, clock: fakeClock(), env: {}, telemetry: { logger }, resilience: [] });

  it('a method outside the known set is _OTHER, with the method itself beside it; the span is HTTP', async () => {
    server.script('/cache/a1', { status: 200 });
    server.script('/cache/a2', { status: 200 });
    const logs = captureLogs('debug');
    const client = clientOf('purger', logs.logger);
    await (await client.request('/cache/a1', { method: 'PURGE' })).text();
    await (await client.request('/cache/a2', { method: 'purge', route: '/cache/{key}' })).text();
    assert.equal(server.seen('/cache/a1')[0]?.method, 'PURGE', 'the upstream still gets PURGE');
    const [bare, routed] = clientSpans();
    assert.equal(bare?.name, 'HTTP');
    assert.equal(routed?.name, 'HTTP /cache/{key}');
    for (const span of [bare, routed]) {
      assert.equal(span?.attributes['http.request.method'], '_OTHER');
      assert.equal(span?.attributes['http.request.method_original'], 'PURGE');
    }
    const line = logs.lines.find((l) => l['url.full'] === `${server.url}/cache/a1`);
    assert.equal(line?.['http.request.method'], '_OTHER');
    assert.equal(line?.['http.request.method_original'], 'PURGE');
    const metrics = await otel.collect();
    const points = pointsOf(metrics.get('http.client.request.duration'), { 'faultline.upstream': 'purger' });
    assert.equal(points.length, 1, 'one series for both calls');
    assert.equal(points[0]?.attributes['http.request.method'], '_OTHER');
  });

  it('a known method keeps its name and has no method_original', async () => {
    server.script('/things', { status: 200 });
    const client = clientOf('known');
    await (await client.request('/things', { method: 'QUERY' })).text();
    const [span] = clientSpans();
    assert.equal(span?.name, 'QUERY');
    assert.equal(span?.attributes['http.request.method'], 'QUERY');
    assert.equal(span?.attributes['http.request.method_original'], undefined);
  });

  it('without a route the span is named by the method alone and has no url.template', async () => {
    server.script('/v1/charges/42', { status: 200 });
    server.script('/v1/charges/43', { status: 200 });
    const client = clientOf('charges');
    await (await client.get('/v1/charges/42')).text();
    await (await client.get('/v1/charges/43', { route: '/v1/charges/{id}' })).text();
    const [guessed, given] = clientSpans();
    assert.equal(guessed?.name, 'GET', 'never the raw path');
    assert.equal(guessed?.attributes['url.template'], undefined, 'no template from a guess');
    assert.equal(guessed?.attributes['faultline.route'], '/v1/charges/{id}', 'the guess still groups');
    assert.equal(given?.name, 'GET /v1/charges/{id}');
    assert.equal(given?.attributes['url.template'], '/v1/charges/{id}');
  });

  it('network.protocol.version is 1.1 through faultline’s pools, absent through a dispatcher of the caller', async () => {
    server.script('/p1', { status: 200 });
    server.script('/p2', { status: 200 });
    const client = clientOf('protocol');
    await (await client.get('/p1')).text();
    const dispatcher = new Agent();
    try {
      await (await client.get('/p2', { transport: { dispatcher } })).text();
    } finally {
      await dispatcher.close();
    }
    const [own, theirs] = clientSpans();
    assert.equal(own?.attributes['network.protocol.version'], '1.1');
    assert.equal(theirs?.attributes['network.protocol.version'], undefined, 'it may speak HTTP/2: not guessed');
    const points = pointsOf((await otel.collect()).get('http.client.request.duration'), {
      'faultline.upstream': 'protocol',
    });
    assert.deepEqual(points.map((p) => p.attributes['network.protocol.version']).sort(), ['1.1', undefined]);
  });

  it('Sentry tags carry the stable keys of spans and logs, and the former names for a transition', async () => {
    server.script('/orders/1', { status: 503 });
    server.script('/cache/b', { status: 502 });
    const client = clientOf('tagged');
    await assert.rejects(client.get('/orders/1'));
    await assert.rejects(client.request('/cache/b', { method: 'PURGE' }));
    await Sentry.flush(3000);
    const events = sink.events().filter((e) => e.tags?.['faultline.upstream'] === 'tagged');
    assert.equal(events.length, 2);
    const get = events.find((e) => e.tags?.['http.response.status_code'] === '503');
    assert.equal(get?.tags?.['http.request.method'], 'GET');
    assert.equal(get?.tags?.['http.request.method_original'], undefined);
    assert.equal(get?.tags?.['http.method'], 'GET', 'former name kept');
    assert.equal(get?.tags?.['http.status_code'], '503', 'former name kept');
    const purge = events.find((e) => e.tags?.['http.response.status_code'] === '502');
    assert.equal(purge?.tags?.['http.request.method'], '_OTHER');
    assert.equal(purge?.tags?.['http.request.method_original'], 'PURGE');
    assert.equal(purge?.tags?.['http.method'], 'PURGE');
  });

  it('every instrument has a unit', async () => {
    const call: CallInfo = {
      upstream: 'units',
      method: 'GET',
      requestMethod: 'GET',
      url: 'http://units.test/x',
      serverAddress: 'units.test',
      serverPort: 80,
      route: '/x',
      startedAt: 0,
    };
    const failure: Failure = { kind: 'server', code: '503', message: '503', status: 503 };
    const signal = createMetricSignal(
      undefined,
      new Map([['units', { upstream: 'units', route: undefined, state: 'open' as const }]]),
      { upstream: 'units', healthy: () => true },
    );
    signal.attemptEnded(call, {
      attempt: 1,
      durationMs: 5,
      failure: failure,
      retry: { delayMs: 100, reason: 'backoff', delaySource: 'backoff' },
      hedge: { index: 1, outcome: 'lost' },
    });
    signal.callEnded(call, { attempts: 2, durationMs: 9, failure: failure, fallback: true });
    signal.sentrySuppressed(call, 'server');
    signal.logSuppressed(call, 'server').add();
    const units = new Map([...(await otel.collect())].map(([name, metric]) => [name, metric.descriptor.unit]));
    assert.deepEqual(Object.fromEntries(units), {
      'http.client.request.duration': 's',
      'faultline.retries': '{retry}',
      'faultline.retry.delay': 's',
      'faultline.hedges': '{hedge}',
      'faultline.failures': '{failure}',
      'faultline.fallbacks': '{fallback}',
      'faultline.sentry.suppressed': '{event}',
      'faultline.log.suppressed': '{log_record}',
      'faultline.circuit.state': '1',
      'faultline.shared_state.healthy': '1',
    });
  });
});
