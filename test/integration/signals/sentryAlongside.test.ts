import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import * as Sentry from '@sentry/node';
import express from 'express';
import {
  type FaultServer,
  startFaultServer,
  type SentryEvent,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

/** A service downstream of faultline: it answers 200 and keeps the trace headers it was sent. */
async function startDownstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const listen = (app: express.Express): Promise<{ url: string; server: Server }> =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    );
  });

// An app with its own OpenTelemetry SDK and its own Sentry 11 (no OpenTelemetry set-up,
// tracing on, Express error handler), the set-up a newcomer has.
describe('alongside the app’s own Sentry and OpenTelemetry', () => {
  let otel: OtelHarness;
  let sink: SentrySink;
  let upstream: FaultServer;
  let downstream: Awaited<ReturnType<typeof startDownstream>>;
  const logs = captureLogs('info');

  before(async () => {
    otel = startOtel();
    sink = await startSentrySink();
    upstream = await startFaultServer();
    downstream = await startDownstream();
    Sentry.init({ dsn: sink.dsn, tracesSampleRate: 1 });
  });
  after(async () => {
    await Sentry.close(2000);
    await new Promise((resolve) => downstream.server.close(resolve));
    await upstream.close();
    await sink.close();
    await otel.shutdown();
  });

  const eventsOf = (upstreamName: string): SentryEvent[] =>
    sink.events().filter((event) => event.tags?.['faultline.upstream'] === upstreamName);

  it('the downstream service is sent faultline’s attempt span, sampled as its baggage says (finding 2)', async () => {
    const client = createClient({
      name: 'orders',
      baseUrl: downstream.url,
      env: {},
      telemetry: { logger: logs.logger },
    });
    await trace.getTracer('app').startActiveSpan('app', async (span) => {
      await client.get('/orders/1');
      span.end();
    });
    const attempt = otel.spans.find((span) => span.kind === SpanKind.CLIENT && span.name.startsWith('GET'));
    assert.ok(attempt, 'faultline’s attempt span');
    const { traceId, spanId } = attempt.spanContext();
    const headers = downstream.seen.at(-1)!;
    assert.equal(headers['traceparent'], `00-${traceId}-${spanId}-01`);
    assert.equal(headers['sentry-trace'], `${traceId}-${spanId}-1`);
    const baggage = String(headers['baggage']);
    assert.match(baggage, new RegExp(`sentry-trace_id=${traceId}`));
    assert.match(baggage, /sentry-sampled=true/);
    assert.doesNotMatch(baggage, /sentry-sampled=false/);
    await client.close();
  });

  it('a faultline call leaves an HTTP breadcrumb on the app’s later error (finding 2)', async () => {
    const client = createClient({
      name: 'crumbs',
      baseUrl: downstream.url,
      env: {},
      telemetry: { logger: logs.logger },
    });
    await Sentry.withIsolationScope(async () => {
      await client.get('/crumbs/7?token=s3cret');
      Sentry.captureException(new Error('app error after a call'));
    });
    await Sentry.flush(3000);
    const appEvent = sink.events().find((event) => event.exception?.values[0]?.value === 'app error after a call');
    assert.ok(appEvent, 'the app’s event');
    const crumb = (appEvent.breadcrumbs ?? []).find(
      (b) => (b as { type?: string }).type === 'http' && String(b.data?.['url']).includes('/crumbs/7'),
    );
    assert.ok(crumb, 'an http breadcrumb for the faultline call');
    assert.equal(crumb.category, 'http');
    assert.equal(crumb.data?.['method'], 'GET');
    assert.equal(crumb.data?.['status_code'], 200);
    assert.doesNotMatch(JSON.stringify(crumb), /s3cret/);
    await client.close();
  });

  it('faultline’s tags and fingerprint stay on its own events (finding 3)', async () => {
    upstream.script('/isolation/1', { status: 503 });
    const client = createClient({
      name: 'isolation',
      baseUrl: upstream.url,
      env: {},
      telemetry: { logger: logs.logger },
      resilience: [],
    });
    await Sentry.withIsolationScope(async () => {
      await assert.rejects(client.get('/isolation/1'));
      Sentry.captureException(new Error('the app’s own error'));
    });
    await Sentry.flush(3000);
    assert.equal(eventsOf('isolation').length, 1);
    const own = sink.events().find((event) => event.exception?.values[0]?.value === 'the app’s own error');
    assert.ok(own);
    assert.equal(own.fingerprint, undefined);
    assert.deepEqual(
      Object.keys(own.tags ?? {}).filter((key) => key.startsWith('faultline.')),
      [],
    );
    await client.close();
  });

  it('Express with Sentry’s error handler: one event per failed call, capped (finding 10)', async () => {
    upstream.script('/stock/1', { status: 503 });
    const client = createClient({
      name: 'express-stock',
      baseUrl: upstream.url,
      env: {},
      telemetry: { logger: logs.logger, report: { capPerMinute: 2 } },
      resilience: [],
      clock: fakeClock(),
    });
    const app = express();
    app.get('/stock', async () => {
      await client.get('/stock/1');
    });
    Sentry.setupExpressErrorHandler(app);
    const { url, server } = await listen(app);
    const before = sink.events().length;
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/stock`)).status, 503);
    await Sentry.flush(3000);
    const after = sink.events().slice(before);
    assert.equal(eventsOf('express-stock').length, 2, 'the cap’s two');
    assert.deepEqual(
      after
        .filter((event) => event.tags?.['faultline.upstream'] === undefined)
        .map((event) => event.exception?.values[0]?.type),
      [],
      'no copy captured by the Express handler',
    );
    await new Promise((resolve) => server.close(resolve));
    await client.close();
  });

  it('a call held back by a remembered Retry-After: event and line carry the same trace and span (finding 11)', async () => {
    upstream.script('/held/1', { status: 429, headers: { 'retry-after': '60' } });
    const client = createClient({
      name: 'held',
      baseUrl: upstream.url,
      env: {},
      telemetry: { logger: logs.logger },
      // No retry; the throttle remembers the Retry-After and holds the next call.
      resilience: [throttle()],
      clock: fakeClock(),
    });
    await trace.getTracer('app').startActiveSpan('app', async (span) => {
      await assert.rejects(client.get('/held/1'));
      await assert.rejects(client.get('/held/1'), (error: Error & { code?: string }) => error.code === 'THROTTLE_HOLD');
      span.end();
    });
    await Sentry.flush(3000);
    const events = eventsOf('held');
    assert.equal(events.length, 2);
    for (const event of events) {
      const line = logs.lines.find((l) => l['sentry.event_id'] === event.event_id);
      assert.ok(line, 'the line naming the event');
      assert.equal(line['trace_id'], event.contexts?.['trace']?.['trace_id']);
      assert.equal(line['span_id'], event.contexts?.['trace']?.['span_id']);
    }
    await client.close();
  });
});
