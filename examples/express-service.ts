// An Express service that calls an upstream through faultline, set up with init(), and
// answers its own callers with faultline/express.
//
// Shows: init() configuring signals from the environment, one client per upstream created
// at start-up, `deadlines` giving each request the caller's budget (every call inside takes
// the shorter of its own timeout and what is left), and `problemResponses` turning whatever
// escapes a handler into RFC 9457 problem+json: 503 + Retry-After when the upstream
// throttles, 504 when the caller's deadline passes, the app's own errors as it maps them.
//
// Run: npm run build && node dist/examples/express-service.js
// (It starts a flaky upstream of its own, serves four requests and exits.)
import type { AddressInfo } from 'node:net';
import express from 'express';
import { deadlines, problemResponses } from 'faultline/express';
import { createClient, init, retry, throttle } from 'faultline';
import { startFaultServer } from 'faultline/testing';

const upstream = await startFaultServer();
upstream.script('/v1/stock/sku-1', { status: 503 }, { status: 200, body: '{"sku":"sku-1","stock":7}' });
upstream.script('/v1/stock/sku-2', { status: 429, headers: { 'retry-after': '30' } });
upstream.script('/v1/stock/sku-3', { status: 200, body: '{"sku":"sku-3","stock":1}', delayMs: 5_000 });

// In production the environment says where signals go (SENTRY_DSN, OTEL_*, LOG_LEVEL).
const faultline = await init();

const inventory = createClient({
  name: 'inventory',
  baseUrl: upstream.url,
  timeout: { totalMs: 10_000 },
  resilience: [retry({ maxAttempts: 3, baseDelayMs: 50 }), throttle()],
});

/** One of the app's own errors, answered as 404 by the map below. */
class UnknownSku extends Error {}

const app = express();
// Before the routes: the caller's budget from x-request-timeout (seconds), else 2 s.
app.use(deadlines({ header: 'x-request-timeout', defaultMs: 2_000 }));
app.get('/stock/:sku', async (request, response) => {
  const { sku } = request.params;
  if (!sku.startsWith('sku-')) throw new UnknownSku(sku);
  const stock = await inventory.json<{ stock: number }>(`/v1/stock/${encodeURIComponent(sku)}`, {
    route: '/v1/stock/{sku}',
  });
  response.json({ sku, stock: stock.stock });
});
// After the routes: upstream failures by kind, the app's own errors by class.
app.use(problemResponses({ errors: [[UnknownSku, { status: 404, title: 'No such SKU' }]] }));

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// sku-2's Retry-After then holds back the route's next calls (faultline answers them
// `throttled` at once, unsent), so the slow sku-3 goes first.
const requests: [string, Record<string, string>][] = [
  ['sku-1', {}],
  ['sku-3', { 'x-request-timeout': '0.3' }],
  ['sku-2', {}],
  ['pencil', {}],
];
for (const [sku, headers] of requests) {
  const started = performance.now();
  const res = await fetch(`${base}/stock/${sku}`, { headers });
  const took = Math.round(performance.now() - started);
  const retryAfter = res.headers.get('retry-after');
  console.log(
    `GET /stock/${sku} -> ${res.status}${retryAfter === null ? '' : ` retry-after ${retryAfter}`} ` +
      `${res.headers.get('content-type')} ${await res.text()}${sku === 'sku-3' ? ` (${took} ms)` : ''}`,
  );
}

server.close();
await inventory.close();
await faultline.shutdown();
await upstream.close();
