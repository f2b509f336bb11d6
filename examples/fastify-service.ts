// A Fastify service that calls an upstream through faultline, set up with init(), and
// answers its own callers with faultline/fastify.
//
// Shows: one client per upstream created at start-up, the `deadlines` plugin giving each
// request the caller's budget (here from Envoy's x-envoy-expected-rq-timeout-ms, passed on
// to the upstream in the same header), and the `problemResponses` plugin turning whatever
// escapes a handler into RFC 9457 problem+json: 502 when the upstream fails (its body never
// passed on), 504 when the caller's deadline passes, the app's own errors as it maps them.
//
// Run: npm run build && node dist/examples/fastify-service.js
// (It starts a flaky upstream of its own, serves four requests and exits.)
import Fastify from 'fastify';
import { deadlines, problemResponses } from 'faultline/fastify';
import { createClient, init, retry, throttle } from 'faultline';
import { startFaultServer as startFlakyUpstream } from 'faultline/testing';

const upstream = await startFlakyUpstream();
upstream.script('/v1/prices/p-1', { status: 200, body: '{"id":"p-1","eur":12.5}' });
upstream.script('/v1/prices/p-2', { status: 500, body: '{"error":"NullPointerException at PriceDao.java:42"}' });
upstream.script('/v1/prices/p-3', { status: 200, body: '{"id":"p-3","eur":3}', delayMs: 5_000 });

// In production the environment says where signals go (SENTRY_DSN, OTEL_*, LOG_LEVEL).
const faultline = await init();

const prices = createClient({
  name: 'prices',
  baseUrl: upstream.url,
  timeout: { totalMs: 10_000 },
  resilience: [retry({ maxAttempts: 2, baseDelayMs: 50 }), throttle()],
});

/** One of the app's own errors, answered as 400 by the map below. */
class BadPriceId extends Error {}

const app = Fastify();
await app.register(deadlines, {
  header: 'x-envoy-expected-rq-timeout-ms',
  defaultMs: 2_000,
  propagate: 'x-envoy-expected-rq-timeout-ms',
});
await app.register(problemResponses, { errors: [[BadPriceId, { status: 400, title: 'Bad price id' }]] });
app.get<{ Params: { id: string } }>('/prices/:id', async (request) => {
  const { id } = request.params;
  if (!id.startsWith('p-')) throw new BadPriceId(id);
  return prices.json(`/v1/prices/${encodeURIComponent(id)}`, { route: '/v1/prices/{id}' });
});

const base = await app.listen({ port: 0, host: '127.0.0.1' });
const requests: [string, Record<string, string>][] = [
  ['p-1', {}],
  ['p-2', {}],
  ['p-3', { 'x-envoy-expected-rq-timeout-ms': '300' }],
  ['nonsense', {}],
];
for (const [id, headers] of requests) {
  const started = performance.now();
  const res = await fetch(`${base}/prices/${id}`, { headers });
  const took = Math.round(performance.now() - started);
  console.log(
    `GET /prices/${id} -> ${res.status} ${res.headers.get('content-type')} ${await res.text()}` +
      (id === 'p-3' ? ` (${took} ms)` : ''),
  );
}
const told = upstream.seen('/v1/prices/p-3')[0]?.headers['x-envoy-expected-rq-timeout-ms'];
console.log(`the upstream was told it had ${told} ms`);

await app.close();
await prices.close();
await faultline.shutdown();
await upstream.close();
