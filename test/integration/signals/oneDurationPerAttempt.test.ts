// Finding 5 of issue 22: with OpenTelemetry's undici instrumentation on (as
// auto-instrumentation sets it up), each faultline attempt is one point of
// http.client.request.duration across every instrumentation scope, not two.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

/** Recorded durations of http.client.request.duration, by instrumentation scope, in total so far. */
async function durationCounts(otel: OtelHarness): Promise<Map<string, number>> {
  const { resourceMetrics } = await otel.metricReader.collect();
  const counts = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== 'http.client.request.duration') continue;
      const points = (metric as HistogramMetricData).dataPoints;
      const total = points.reduce((sum, point) => sum + point.value.count, 0);
      counts.set(scope.scope.name, (counts.get(scope.scope.name) ?? 0) + total);
    }
  return counts;
}

function difference(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [scope, count] of after)
    if (count - (before.get(scope) ?? 0) > 0) delta[scope] = count - (before.get(scope) ?? 0);
  return delta;
}

const total = (delta: Record<string, number>): number => Object.values(delta).reduce((sum, n) => sum + n, 0);

function clientFor(server: FaultServer, name: string) {
  return createClient({
    name,
    baseUrl: server.url,
    env: {},
    telemetry: { logger: captureLogs('error').logger, report: false },
    clock: { now: Date.now, sleep: async () => {} },
  });
}

describe('http.client.request.duration alongside @opentelemetry/instrumentation-undici', () => {
  let server: FaultServer;
  let otel: OtelHarness;
  let unregister: (() => void) | undefined;
  before(async () => {
    server = await startFaultServer();
    otel = startOtel();
    unregister = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
  });
  after(async () => {
    unregister?.();
    await otel.shutdown();
    await server.close();
  });

  it('three attempts (two 503s, then a 200) are three duration points across all scopes', async () => {
    server.script('/retried', { status: 503 }, { status: 503 }, { status: 200, body: '{}' });
    const before = await durationCounts(otel);
    await clientFor(server, 'retried').json('/retried');
    const delta = difference(await durationCounts(otel), before);
    assert.equal(total(delta), 3, JSON.stringify(delta));
    // The instrumentation recorded them: one record per request, as it does for any undici request.
    assert.deepEqual(delta, { '@opentelemetry/instrumentation-undici': 3 });
  });

  it('a failed call without retries (a 404) is one point', async () => {
    server.script('/missing', { status: 404 });
    const before = await durationCounts(otel);
    await assert.rejects(clientFor(server, 'missing').json('/missing'));
    assert.equal(total(difference(await durationCounts(otel), before)), 1);
  });

  it('an attempt that never reached undici (cancelled in its auth step) is still recorded, by faultline', async () => {
    const before = await durationCounts(otel);
    const caller = new AbortController();
    const client = createClient({
      name: 'unsigned',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: captureLogs('error').logger, report: false },
      // The caller goes away while the credentials are fetched: the request is never sent.
      auth: {
        apply: () => {
          caller.abort();
          return new Promise<void>(() => {});
        },
      },
    });
    await assert.rejects(client.json('/unsigned', { signal: caller.signal }));
    assert.equal(server.seen('/unsigned').length, 0);
    assert.deepEqual(difference(await durationCounts(otel), before), { faultline: 1 });
  });

  it('with the instrumentation turned off, faultline records each attempt itself, with its attributes', async () => {
    unregister?.();
    unregister = undefined;
    server.script('/alone', { status: 503 }, { status: 200, body: '{}' });
    const before = await durationCounts(otel);
    await clientFor(server, 'alone').json('/alone');
    const delta = difference(await durationCounts(otel), before);
    assert.deepEqual(delta, { faultline: 2 });
    const { resourceMetrics } = await otel.metricReader.collect();
    const faultline = resourceMetrics.scopeMetrics.find((scope) => scope.scope.name === 'faultline');
    const duration = faultline?.metrics.find((metric) => metric.descriptor.name === 'http.client.request.duration');
    const points = (duration as HistogramMetricData | undefined)?.dataPoints ?? [];
    const alone = points.filter((point) => point.attributes['faultline.upstream'] === 'alone');
    assert.equal(
      alone.reduce((sum, point) => sum + point.value.count, 0),
      2,
    );
  });
});
