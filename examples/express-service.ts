// An Express service that calls an upstream through faultline, set up with init().
//
// Shows: init() configuring signals from the environment, one client per upstream
// created at start-up, a route that turns a classified failure into the right answer
// for its own caller (503 with Retry-After when throttled, 502 otherwise).
//
// Run: npm run build && node dist/examples/express-service.js
// (It starts a flaky upstream of its own, serves two requests and exits.)
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createClient, exponentialBackoff, init, isRequestFailure } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

const upstream = await startFaultServer();
upstream.script('/v1/stock/sku-1', { status: 503 }, { status: 200, body: '{"sku":"sku-1","stock":7}' });
upstream.script('/v1/stock/sku-2', { status: 429, headers: { 'retry-after': '30' } });

// In production the environment says where signals go (SENTRY_DSN, OTEL_*, LOG_LEVEL).
const faultline = await init();

const inventory = createClient({
  name: 'inventory',
  baseUrl: upstream.url,
  timeoutMs: 2_000,
  retry: exponentialBackoff({ maxAttempts: 3, baseDelayMs: 50 }),
});

const app = express();
app.get('/stock/:sku', async (request, response) => {
  try {
    const stock = await inventory.json<{ stock: number }>(`/v1/stock/${encodeURIComponent(request.params.sku)}`, {
      route: '/v1/stock/{sku}',
    });
    response.json({ sku: request.params.sku, stock: stock.stock });
  } catch (error) {
    if (isRequestFailure(error) && error.kind === 'throttled') {
      response.set('retry-after', String(Math.ceil((error.retryAfterMs ?? 1000) / 1000)));
      response.status(503).json({ error: 'inventory is busy, try again later' });
      return;
    }
    response.status(502).json({ error: isRequestFailure(error) ? error.kind : 'unexpected' });
  }
});

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
for (const sku of ['sku-1', 'sku-2']) {
  const res = await fetch(`${base}/stock/${sku}`);
  console.log(`GET /stock/${sku} -> ${res.status} ${res.headers.get('retry-after') ?? ''} ${await res.text()}`);
}

server.close();
await inventory.close();
await faultline.shutdown();
await upstream.close();
