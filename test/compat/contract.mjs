// The compatibility contract, run by scripts/compat-matrix.mjs inside a fresh app that
// installed the packed faultline tarball beside one combination of OpenTelemetry and Sentry.
// Plain JavaScript (the app has no TypeScript) and only the app's own packages: what a user
// writes. One process per init order, because OpenTelemetry and Sentry register globally.
//
//   node contract.mjs <order> <results.json>
//
// Orders: `otel-first` (the app's NodeSDK, then its Sentry.init with
// openTelemetryIntegration), `sentry-first` (the same, the other way round),
// `sentry-otel-setup` (NodeSDK, then Sentry.init with enableOpenTelemetrySetup: true) and
// `faultline-init` (no SDK of the app's: faultline's init() starts NodeSDK and Sentry from
// the environment), `testing-kit` (faultline/testing's captureSignals() on the app's SDK
// packages, and faultline/classification as the exports map serves it), `express` (an
// Express 5 app with Sentry's error handler) and `shared-state` (two replicas sharing a
// Retry-After through a real redis-server, with the app's ioredis).
// Each check is written to the results file as { check, ok, detail }.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [order, resultsFile] = process.argv.slice(2);
if (resultsFile === undefined) throw new Error('usage: node contract.mjs <order> <results.json>');
const results = [];
const check = (name, ok, detail = '') => results.push({ check: name, ok: Boolean(ok), detail: String(detail) });
const save = () => writeFileSync(resultsFile, JSON.stringify(results, null, 2));

/** Spans the app's NodeSDK finished (a processor of our own: the same in SDK 2 and 3). */
const finished = [];
const collector = {
  onStart() {},
  onEnd(span) {
    finished.push(span);
  },
  async forceFlush() {},
  async shutdown() {},
};
const parentIdOf = (span) => span.parentSpanContext?.spanId ?? span.parentSpanId;
const isFaultline = (span) => span.attributes['faultline.upstream'] !== undefined;

/** faultline/testing's captureSignals() on the app's SDK packages (sdk-trace or sdk-trace-base). */
async function testingKit() {
  const { captureSignals } = await import('faultline/testing');
  const signals = await captureSignals({ logLevel: 'error' });
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn: signals.sentry.dsn });
  const upstream = createServer((req, res) => res.writeHead(503).end());
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const faultline = await import('faultline');
  const client = faultline.createClient({
    name: 'kit',
    baseUrl: `http://127.0.0.1:${upstream.address().port}`,
    resilience: [],
  });
  await client.get('/down').catch(() => {});
  await signals.flush();
  const spans = signals.spans.filter(isFaultline);
  check('kit-captures-spans', spans.length >= 1, `${spans.length} faultline spans`);
  const durations = signals.metrics.filter((point) => point.name === 'http.client.request.duration');
  check('kit-captures-metrics', durations.length >= 1, `${signals.metrics.length} points`);
  const events = signals.events.filter((event) => event.tags?.['faultline.upstream'] === 'kit');
  check('kit-captures-events', events.length === 1, `${events.length} events`);
  // The classification subpath, as the packed tarball's exports map serves it to an app.
  const { classify, parseRetryAfter } = await import('faultline/classification');
  const refused = classify(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  check(
    'classification-subpath',
    refused?.kind === 'network' && parseRetryAfter('12') === 12_000 && !('classify' in faultline),
    `kind ${refused?.kind}, Retry-After 12 → ${parseRetryAfter('12')} ms, classify at the root: ${'classify' in faultline}`,
  );
  await Sentry.close(2000);
  await signals.close();
  await new Promise((resolve) => upstream.close(resolve));
}

/** An Express app with Sentry's error handler (as Sentry recommends): one event per failed call. */
async function expressApp() {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ spanProcessors: [collector], instrumentations: [] });
  sdk.start();
  const { startSentrySink } = await import('faultline/testing');
  const sink = await startSentrySink();
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn: sink.dsn, tracesSampleRate: 1, integrations: [Sentry.openTelemetryIntegration()] });
  const upstream = createServer((req, res) => res.writeHead(503).end());
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const faultline = await import('faultline');
  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
  const client = faultline.createClient({
    name: 'orders',
    baseUrl: `http://127.0.0.1:${upstream.address().port}`,
    resilience: [],
    telemetry: { logger: quiet },
  });
  const express = (await import('express')).default;
  const app = express();
  app.get('/orders/:id', async (req, res) => {
    // Express 5 hands a rejected handler's error to the error middleware.
    await client.get(`/v1/orders/${req.params.id}`);
    res.json({});
  });
  Sentry.setupExpressErrorHandler(app);
  app.use((error, req, res, _next) => res.status(502).json({ error: error.name }));
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  for (const id of [1, 2, 3]) await globalThis.fetch(`http://127.0.0.1:${server.address().port}/orders/${id}`);
  await Sentry.flush(5000);
  const tagged = sink.received.filter((event) => event.tags?.['faultline.upstream'] === 'orders');
  check(
    'express-one-event-per-failed-call',
    sink.received.length === 3 && tagged.length === 3,
    `${sink.received.length} events for 3 failed calls, ${tagged.length} with faultline's tags` +
      ` (mechanisms ${sink.received.map((e) => e.exception?.values?.[0]?.mechanism?.type).join(',')})`,
  );
  await sdk.shutdown();
  await Sentry.close(2000);
  await sink.close();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => upstream.close(resolve));
}

/**
 * Two replicas share a Retry-After through Redis, each with the app's ioredis: one connects
 * by URL (faultline loads ioredis itself), the other gets the app's own client. The second
 * replica's call is held back unsent.
 */
async function sharedStateApp() {
  const port = await new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'faultline-contract-redis-'));
  const redis = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  // The default export: ioredis 5.0 has no named `Redis` export yet.
  const { default: Redis } = await import('ioredis');
  const appRedis = new Redis(url, { lazyConnect: true });
  let upstreamCalls = 0;
  const upstream = createServer((req, res) => {
    upstreamCalls++;
    res.writeHead(429, { 'retry-after': '60' }).end();
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const shared = [];
  try {
    for (let tries = 0; ; tries++) {
      try {
        await appRedis.connect();
        break;
      } catch (error) {
        if (tries > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const faultline = await import('faultline');
    const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
    const prefix = 'contract:';
    shared.push(faultline.sharedState({ url, prefix, syncIntervalMs: 20 }));
    shared.push(faultline.sharedState({ redis: appRedis, prefix, syncIntervalMs: 20 }));
    const [first, second] = shared.map((state) =>
      faultline.createClient({
        name: 'payments',
        baseUrl: `http://127.0.0.1:${upstream.address().port}`,
        // No retry; the throttle holds a call back on the Retry-After the fleet learned.
        resilience: [faultline.throttle()],
        telemetry: { logger: quiet },
        shared: state,
      }),
    );
    const learned = await first.get('/charge').catch((error) => error);
    // The Retry-After reaches Redis (pushed at once), then the other replica's next rounds.
    const deadline = Date.now() + 5000;
    while ((await appRedis.exists(`{${prefix}payments}:throttle`)) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const written = (await appRedis.exists(`{${prefix}payments}:throttle`)) === 1;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = await second.get('/charge').catch((error) => error);
    const ioredis = JSON.parse(readFileSync('node_modules/ioredis/package.json', 'utf8')).version;
    check(
      'shared-state-throttle',
      written && learned.kind === 'throttled' && held.code === 'THROTTLE_HOLD' && upstreamCalls === 1,
      `ioredis ${ioredis}: hold ${written ? '' : 'not '}in Redis, first ${learned.kind}/${learned.code}, ` +
        `second ${held.kind}/${held.code}, ${upstreamCalls} upstream calls`,
    );
    await first.close();
    await second.close();
  } finally {
    for (const state of shared) await state.close();
    appRedis.disconnect();
    redis.kill();
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (order === 'testing-kit') return testingKit();
  if (order === 'express') return expressApp();
  if (order === 'shared-state') return sharedStateApp();
  const api = await import('@opentelemetry/api');
  const { startSentrySink } = await import('faultline/testing');
  const sink = await startSentrySink();

  // The downstream service: it records the trace headers each request carries.
  const downstream = [];
  const upstream = createServer((req, res) => {
    downstream.push({
      path: req.url,
      traceparent: req.headers.traceparent,
      sentryTrace: req.headers['sentry-trace'],
      baggage: req.headers.baggage,
    });
    res.writeHead(req.url === '/ok' ? 200 : 503, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${upstream.address().port}`;

  let Sentry;
  let sdk;
  let runtime;
  const startOtel = async () => {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    sdk = new NodeSDK({ spanProcessors: [collector], instrumentations: [] });
    sdk.start();
  };
  const startSentry = async (options) => {
    Sentry = await import('@sentry/node');
    Sentry.init({ dsn: sink.dsn, tracesSampleRate: 1, ...options });
  };
  if (order === 'otel-first') {
    await startOtel();
    await startSentry({ integrations: [(await import('@sentry/node')).openTelemetryIntegration()] });
  } else if (order === 'sentry-first') {
    await startSentry({ integrations: [(await import('@sentry/node')).openTelemetryIntegration()] });
    await startOtel();
  } else if (order === 'sentry-otel-setup') {
    await startOtel();
    await startSentry({ enableOpenTelemetrySetup: true });
  } else if (order !== 'faultline-init') throw new Error(`unknown order ${order}`);

  const faultline = await import('faultline');
  if (order === 'faultline-init') {
    // What production does: the environment asks, init() starts both SDKs (lazily imported).
    process.env.OTEL_TRACES_EXPORTER = 'console';
    process.env.OTEL_METRICS_EXPORTER = 'none';
    process.env.OTEL_LOGS_EXPORTER = 'none';
    try {
      runtime = await faultline.init({ env: { ...process.env, SENTRY_DSN: sink.dsn, FAULTLINE_LOG_LEVEL: 'error' } });
      check(
        'init-starts-sdks',
        runtime.started.openTelemetry && runtime.started.sentry,
        JSON.stringify(runtime.started),
      );
      Sentry = await import('@sentry/node');
    } catch (error) {
      check('init-starts-sdks', false, error.stack);
      return;
    }
  }

  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
  const clients = ['alpha', 'beta', 'gamma'].map((name) =>
    faultline.createClient({ name, baseUrl, resilience: [], telemetry: { logger: quiet } }),
  );
  const tracer = api.trace.getTracer('the-app');
  let appSpan;
  let recording = false;
  await tracer.startActiveSpan('GET /orders', { kind: api.SpanKind.SERVER }, async (span) => {
    appSpan = span;
    recording = span.isRecording();
    // One failed call per client (its own fingerprint), one call that succeeds.
    for (const [index, client] of clients.entries()) await client.get(`/fail-${index}`).catch(() => {});
    await clients[0].get('/ok');
    // The app's own error, captured while faultline's calls are done.
    Sentry.captureException(new Error('the app failed on its own'));
    span.end();
  });
  const appIds = appSpan.spanContext();

  // Spans: faultline's nest under the app's SERVER span, in its trace.
  if (sdk !== undefined) {
    const ours = finished.filter(isFaultline);
    check(
      'spans-nest-under-app-span',
      ours.length >= 4 &&
        ours.every((span) => span.spanContext().traceId === appIds.traceId) &&
        ours.some((span) => parentIdOf(span) === appIds.spanId) &&
        ours.every(
          (span) => parentIdOf(span) === appIds.spanId || ours.some((p) => p.spanContext().spanId === parentIdOf(span)),
        ),
      `${ours.length} faultline spans; parents ${[...new Set(ours.map(parentIdOf))].join(',')}; app span ${appIds.spanId}`,
    );
  } else
    check('spans-nest-under-app-span', recording, `the app's span under init()'s NodeSDK is recording: ${recording}`);

  // The downstream service can record its span: a sampled traceparent in the app's trace,
  // and a sentry-trace header (when sent) that agrees with it and with the baggage.
  const bad = downstream.filter(({ traceparent, sentryTrace, baggage }) => {
    const tp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/.exec(traceparent ?? '');
    if (tp === null || tp[1] !== appIds.traceId || tp[3] !== '1') return true;
    if (sentryTrace === undefined) return false;
    const [traceId, spanId, sampled] = sentryTrace.split('-');
    const baggageSampled = /sentry-sampled=(true|false)/.exec(baggage ?? '')?.[1];
    return (
      traceId !== tp[1] ||
      spanId !== tp[2] ||
      sampled === '0' ||
      (baggageSampled !== undefined && (baggageSampled === 'true') !== (sampled === '1'))
    );
  });
  check(
    'downstream-gets-sampled-trace',
    downstream.length === 4 && bad.length === 0,
    bad.length === 0 ? `${downstream.length} requests` : JSON.stringify(bad[0]),
  );

  await Sentry.flush(5000);
  const events = sink.received;
  const isOwn = (event) => event.exception?.values?.[0]?.value === 'the app failed on its own';
  // The app's own event is judged below: a tag leaking onto it is not one more faultline event.
  const tagged = events.filter((event) => !isOwn(event) && event.tags?.['faultline.upstream'] !== undefined);
  const perUpstream = ['alpha', 'beta', 'gamma'].map(
    (name) => tagged.filter((e) => e.tags['faultline.upstream'] === name).length,
  );
  check(
    'one-event-per-failed-call',
    perUpstream.every((count) => count === 1) && tagged.every((e) => e.tags['faultline.failure.kind'] === 'server'),
    `events by upstream ${perUpstream.join('/')}; kinds ${tagged.map((e) => e.tags['faultline.failure.kind']).join(',')}`,
  );
  check(
    'events-in-app-trace',
    tagged.length > 0 && tagged.every((e) => e.contexts?.trace?.trace_id === appIds.traceId),
    `trace ids ${[...new Set(tagged.map((e) => e.contexts?.trace?.trace_id))].join(',')} vs app ${appIds.traceId}`,
  );
  const own = events.filter(isOwn);
  const leaked = own.flatMap((event) => [
    ...Object.keys(event.tags ?? {}).filter(
      (key) => key.startsWith('faultline.') || key.startsWith('http.') || key.startsWith('server.'),
    ),
    ...(event.fingerprint ?? []).filter((part) => part === 'faultline'),
    ...Object.keys(event.contexts ?? {}).filter((key) => key.startsWith('faultline')),
  ]);
  check(
    'app-event-without-faultline-tags',
    own.length === 1 && leaked.length === 0,
    own.length === 1 ? `leaked: ${leaked.join(',') || 'nothing'}` : `${own.length} app events`,
  );

  await runtime?.shutdown();
  await sdk?.shutdown();
  await Sentry?.close?.(2000);
  await sink.close();
  await new Promise((resolve) => upstream.close(resolve));
}

try {
  await main();
} catch (error) {
  check('contract-ran', false, error.stack);
}
save();
process.exit(0);
