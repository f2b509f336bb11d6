// Steady mixed traffic through faultline, for dashboards: run it with the environment
// your metrics pipeline reads, and every panel of dashboards/faultline.grafana.json and
// every rule of dashboards/alerts.yml has data.
//
// Shows: init() honouring OTEL_METRICS_EXPORTER=prometheus (or otlp), and what each
// failure looks like on a dashboard: successes, 503s retried with backoff, 429s waiting
// for Retry-After, a circuit that stays open, a retry budget exhausted by a storm,
// Sentry events held back by the cap, failure log lines held back by sampling, calls a
// fallback answered while their upstream failed, calls shed by a concurrency limit, and a replica whose shared state cannot
// reach its Redis (so it decides alone).
//
// Run: npm run build && OTEL_METRICS_EXPORTER=prometheus OTEL_EXPORTER_PROMETHEUS_PORT=9464 \
//        node dist/examples/traffic.js          (Ctrl-C to stop; then scrape :9464/metrics)
import {
  adaptiveConcurrency,
  circuitBreaker,
  createClient,
  fallback,
  init,
  retry,
  retryBudget,
  sharedState,
  throttle,
} from '../src/index.js';
import { closedPort, startFaultServer, startSentrySink } from '../src/testing/index.js';

const upstream = await startFaultServer();
upstream.cycle(
  '/v1/charges',
  { status: 200, body: '{"ok":true}' },
  { status: 503 },
  { status: 200, body: '{"ok":true}' },
  { status: 500 },
  { status: 200, body: '{}' },
);
upstream.script('/v1/quotes', { status: 429, headers: { 'retry-after': '1' } });
upstream.script('/v1/inventory', { status: 503 });
upstream.script('/v1/search', { status: 503 });
upstream.cycle('/v1/catalog', { status: 200, body: '{}', delayMs: 50 });
upstream.cycle('/v1/rates', { status: 200, body: '{"eur":1.08}' }, { status: 503 });

// Without a Sentry of its own, events go to an embedded sink (the cap still applies).
const sink = process.env['SENTRY_DSN'] === undefined ? await startSentrySink() : undefined;
if (sink !== undefined) process.env['SENTRY_DSN'] = sink.dsn;
process.env['FAULTLINE_REPORT_CAP_PER_MINUTE'] ??= '2';
// A storm here is 30 calls, not thousands: sample log lines early enough to show on the dashboard.
process.env['FAULTLINE_LOG_SAMPLE_INITIAL'] ??= '5';
process.env['FAULTLINE_LOG_SAMPLE_THEREAFTER'] ??= '10';
const runtime = await init();

const payments = createClient({
  name: 'payments',
  baseUrl: upstream.url,
  resilience: [retry({ maxAttempts: 3, baseDelayMs: 20 }), throttle()],
});
const quotes = createClient({
  name: 'quotes',
  baseUrl: upstream.url,
  resilience: [retry({ maxAttempts: 2, maxRetryAfterMs: 5000 }), throttle()],
});
const inventory = createClient({
  name: 'inventory',
  baseUrl: upstream.url,
  // A breaker and no retry: the list holds only what the client should do.
  resilience: [circuitBreaker({ failureThreshold: 3, breakDurationMs: 3_600_000 }), throttle()],
});
const search = createClient({
  name: 'search',
  baseUrl: upstream.url,
  // The budget after the retry it prices: it may turn retry's wait into a stop.
  resilience: [
    retry({ maxAttempts: 4, baseDelayMs: 10 }),
    retryBudget({ ratio: 0.1, minRetriesPerSecond: 1 }),
    throttle(),
  ],
});
// Shared state pointed at a port where no Redis listens: the health gauge reads 0.
const unreachable = sharedState({ url: `redis://127.0.0.1:${await closedPort()}`, prefix: 'traffic:' });
const ledger = createClient({ name: 'ledger', baseUrl: upstream.url, shared: unreachable });

// Every other call fails: the last known rates answer it (and the failure is still told).
const rates = createClient({
  name: 'rates',
  baseUrl: upstream.url,
  resilience: [fallback({ value: { eur: 1.08, stale: true } }), throttle()],
});

// Six calls at once against a limit of 2 with no queue: four are shed, unsent, every tick.
const catalog = createClient({
  name: 'catalog',
  baseUrl: upstream.url,
  resilience: [adaptiveConcurrency({ initialLimit: 2, minLimit: 2, maxLimit: 2, queue: { size: 0 } })],
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await runtime.shutdown();
  await unreachable.close();
  await upstream.close();
  await sink?.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

let tick = 0;
while (!stopping) {
  tick++;
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 5; i++)
    calls.push(payments.json(`/v1/charges?id=${tick * 10 + i}`, { route: '/v1/charges' }).catch(() => {}));
  if (tick % 5 === 0) calls.push(quotes.get('/v1/quotes').catch(() => {}));
  calls.push(inventory.get('/v1/inventory').catch(() => {}));
  calls.push(ledger.json('/v1/charges?id=0', { route: '/v1/charges' }).catch(() => {}));
  calls.push(rates.json('/v1/rates').catch(() => {}));
  for (let i = 0; i < 6; i++) calls.push(catalog.json('/v1/catalog').catch(() => {}));
  if (tick % 10 === 0) for (let i = 0; i < 30; i++) calls.push(search.get('/v1/search').catch(() => {}));
  await Promise.all(calls);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
