import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import * as Sentry from '@sentry/node';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentryEvent,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, retry, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, pointsOf, startOtel } from '../../helpers/otel.js';

/** An event's tags, fingerprint and level as Sentry received them. */
function expectEvent(
  event: SentryEvent | undefined,
  expected: { tags: Record<string, string>; fingerprint: string[]; level: string },
): void {
  assert.ok(event, 'event exists');
  for (const [key, value] of Object.entries(expected.tags)) assert.equal(event.tags?.[key], value, `tag ${key}`);
  assert.deepEqual(event.fingerprint, expected.fingerprint);
  assert.equal(event.level, expected.level);
}

describe('Sentry events from the real SDK', () => {
  let server: FlakyUpstream;
  let sink: SentrySink;
  let otel: OtelHarness;
  const quiet = captureLogs('error').logger;

  before(async () => {
    server = await startFlakyUpstream();
    sink = await startSentrySink();
    otel = startOtel();
    Sentry.init({
      dsn: sink.dsn,
      integrations: [Sentry.openTelemetryIntegration()],
      tracesSampleRate: 1,
    });
  });
  after(async () => {
    await Sentry.close(2000);
    await otel.shutdown();
    await sink.close();
    await server.close();
  });
  beforeEach(() => otel.reset());

  /** Failed-call events of one upstream only (tests share the sink). */
  const eventsOf = (upstream: string) => sink.events().filter((e) => e.tags?.['faultline.upstream'] === upstream);

  it('one event per failed call, after retries: tags, fingerprint, level, breadcrumbs, trace', async () => {
    server.script('/v1/charges/42', { status: 503 });
    const client = createClient({
      name: 'payments',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger: quiet },
      resilience: [retry({ maxAttempts: 3 }), throttle()],
    });
    await assert.rejects(client.get('/v1/charges/42'));
    await Sentry.flush(3000);
    const events = eventsOf('payments');
    assert.equal(events.length, 1, 'one event for three failed attempts');
    const [event] = events;
    expectEvent(event, {
      tags: {
        'faultline.failure.kind': 'server',
        'http.status_code': '503',
        'http.method': 'GET',
        'server.address': '127.0.0.1',
        'faultline.upstream': 'payments',
      },
      fingerprint: ['faultline', 'payments', 'GET', '/v1/charges/{id}', 'server'],
      level: 'error',
    });
    assert.equal(event?.exception?.values[0]?.type, 'ServerError');
    const crumbs = event?.breadcrumbs?.filter((b) => b.category === 'faultline.attempt') ?? [];
    assert.equal(crumbs.length, 3);
    assert.deepEqual(
      crumbs.map((b) => b.data?.['faultline.attempt']),
      [1, 2, 3],
    );
    const last = otel
      .finishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT)
      .at(-1)!;
    assert.equal(event?.contexts?.['trace']?.['trace_id'], last.spanContext().traceId);
    assert.equal(event?.contexts?.['trace']?.['span_id'], last.spanContext().spanId);
    assert.equal(event?.contexts?.['faultline']?.['attempts'], 3);
  });

  it("identical failures in a row are one event each past Sentry's Dedupe, which still dedupes the app's own errors", async () => {
    server.script('/v1/stock/7', { status: 503 });
    const client = createClient({
      name: 'stock',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet },
      resilience: [],
    });
    // Twice from one place: the same type, message and frames, which Dedupe drops.
    const appFailsTwice = () => {
      for (let i = 0; i < 2; i++) Sentry.captureException(new Error('the app failed the same way'));
    };
    appFailsTwice();
    await Sentry.flush(3000);
    for (let i = 0; i < 3; i++) await assert.rejects(client.get('/v1/stock/7'));
    await Sentry.flush(3000);
    appFailsTwice();
    await Sentry.flush(3000);

    const events = eventsOf('stock');
    assert.equal(events.length, 3, 'one event per failed call');
    for (const event of events) {
      expectEvent(event, {
        tags: { 'faultline.failure.kind': 'server', 'http.status_code': '503', 'faultline.upstream': 'stock' },
        fingerprint: ['faultline', 'stock', 'GET', '/v1/stock/{id}', 'server'],
        level: 'error',
      });
    }
    const appEvents = sink.events().filter((e) => e.exception?.values[0]?.value === 'the app failed the same way');
    assert.equal(appEvents.length, 2, "the app's repeated error is deduplicated (one of each pair)");
    assert.equal(appEvents[0]?.fingerprint, undefined, "the app's events get no fingerprint of faultline's");
  });

  it("a failed call's log lines join its event: trace_id and span_id of the span, sentry.event_id", async () => {
    server.script('/v1/joined/1', { status: 503 });
    const logs = captureLogs('info');
    const client = createClient({
      name: 'joined-otel',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger: logs.logger },
      resilience: [retry({ maxAttempts: 2 }), throttle()],
    });
    await assert.rejects(client.get('/v1/joined/1'));
    await Sentry.flush(3000);
    const [event] = eventsOf('joined-otel');
    assert.ok(event, 'event exists');
    const lines = logs.lines.filter((line) => line['faultline.upstream'] === 'joined-otel');
    assert.deepEqual(
      lines.map((line) => line['level']),
      ['warn', 'error'],
    );
    const trace = event.contexts?.['trace'];
    for (const line of lines) assert.equal(line['trace_id'], trace?.['trace_id']);
    assert.equal(lines[1]?.['span_id'], trace?.['span_id']);
    assert.equal(lines[1]?.['sentry.event_id'], event.event_id);
    assert.equal(lines[0]?.['sentry.event_id'], undefined, 'only the final line tells of the event');
  });

  it('a thousand URLs of one endpoint group under one fingerprint', async () => {
    server.script('/items/*', { status: 502 });
    const client = createClient({
      name: 'catalog',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet },
      resilience: [],
    });
    for (const id of [101, 202, 303, 'a3f9c2e1-8b7d-4c6a-9e5f-1d2c3b4a5e6f'])
      await assert.rejects(client.get(`/items/${id}/stock`));
    await Sentry.flush(3000);
    const fingerprints = new Set(eventsOf('catalog').map((e) => JSON.stringify(e.fingerprint)));
    assert.deepEqual(
      [...fingerprints],
      [JSON.stringify(['faultline', 'catalog', 'GET', '/items/{id}/stock', 'server'])],
    );
  });

  it('levels by kind; client and cancelled are not reported', async () => {
    server.script('/secret', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
    server.script('/nope', { status: 404 });
    const client = createClient({
      name: 'levels',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet },
      resilience: [],
    });
    await assert.rejects(client.get('/secret'));
    await assert.rejects(client.get('/nope'));
    await assert.rejects(client.get('/nope', { signal: AbortSignal.abort() }));
    await Sentry.flush(3000);
    const events = eventsOf('levels');
    assert.equal(events.length, 1);
    expectEvent(events[0], {
      tags: { 'faultline.failure.kind': 'unauthorized', 'http.status_code': '401' },
      fingerprint: ['faultline', 'levels', 'GET', '/secret', 'unauthorized'],
      level: 'warning',
    });
  });

  it('report: { kinds } and report: false are honoured', async () => {
    server.script('/gone', { status: 404 });
    const reporting = createClient({
      name: 'kinds',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet, report: { kinds: ['client'] } },
    });
    const silent = createClient({
      name: 'silent',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet, report: false },
    });
    await assert.rejects(reporting.get('/gone'));
    await assert.rejects(silent.get('/status/500'));
    await Sentry.flush(3000);
    assert.equal(eventsOf('kinds').length, 1);
    assert.equal(eventsOf('silent').length, 0);
  });

  it('a flood of 1,000 failures of one endpoint sends at most the cap, and the next event counts the rest', async () => {
    server.script('/flood', { status: 500 });
    const clock = fakeClock();
    const client = createClient({
      name: 'flood',
      baseUrl: server.url,
      clock,
      env: { FAULTLINE_REPORT_CAP_PER_MINUTE: '5' },
      telemetry: { logger: quiet },
      resilience: [],
    });
    for (let i = 0; i < 1000; i++) await client.get('/flood').catch(() => {});
    await Sentry.flush(3000);
    // Exactly the cap reach Sentry: its Dedupe integration lets every one through.
    assert.equal(eventsOf('flood').length, 5);
    clock.advance(61_000);
    await client.get('/flood').catch(() => {});
    await Sentry.flush(3000);
    const events = eventsOf('flood');
    assert.equal(events.length, 6);
    assert.equal(events.at(-1)?.contexts?.['faultline']?.['suppressed_events'], 995);
    const suppressed = pointsOf((await otel.collect()).get('faultline.sentry.suppressed'), {
      'faultline.upstream': 'flood',
    });
    assert.equal(suppressed[0]?.value, 995);
  });

  it("one attempt is one span even with Sentry's fetch/undici instrumentation tracing", async () => {
    const client = createClient({ name: 'traced', baseUrl: server.url, env: {}, telemetry: { logger: quiet } });
    // Events off is not tracing off: the app's Sentry still meets this client's attempts.
    const silent = createClient({
      name: 'traced-silent',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: quiet, report: false },
    });
    await Sentry.startSpan({ name: 'root-with-faultline' }, async () => {
      await client.json('/dup');
      await silent.json('/dup-silent');
      // A bare fetch in the same transaction proves Sentry's instrumentation is on.
      await (await fetch(`${server.url}/bare`)).arrayBuffer();
    });
    await Sentry.flush(3000);
    const clientSpans = sink.spans().filter((span) => span.attributes['sentry.op'] === 'http.client');
    const urls = clientSpans.map((span) => String(span.attributes['url.full']));
    assert.ok(
      urls.some((url) => url.endsWith('/bare')),
      `Sentry traced the bare fetch: ${urls.join(', ')}`,
    );
    assert.ok(!urls.some((url) => url.endsWith('/dup')), `no Sentry span for faultline's request: ${urls.join(', ')}`);
    assert.ok(!urls.some((url) => url.endsWith('/dup-silent')), `none with report: false: ${urls.join(', ')}`);
    assert.equal(
      otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT && s.attributes['faultline.upstream'] === 'traced')
        .length,
      1,
    );
  });
});
