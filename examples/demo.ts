// npm run demo
//
// faultline's main job in one run: an embedded flaky upstream, an embedded Sentry
// envelope sink and an embedded OTLP collector; faultline set up through init() the way
// production is (environment variables pointed at the embedded parts); then a scripted
// tour through every failure kind, a throttle that honours Retry-After, a token refresh,
// a circuit that opens and recovers and a retry budget holding back a storm. It prints a
// table of what happened, where each failure was grouped in Sentry and its trace id, and
// where the JSON logs went.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import {
  type AttemptOutcome,
  basicAuth,
  bearerToken,
  type CallInfo,
  type CallOutcome,
  type Client,
  type ClientOptions,
  circuitBreaker,
  createClient,
  createLogger,
  exponentialBackoff,
  init,
  isRequestFailure,
  noRetry,
  type RequestObserver,
  retryBudget,
} from '../src/index.js';
import { closedPort, startFlakyUpstream } from './support/flakyUpstream.js';
import { startSentrySink } from './support/sentrySink.js';

/** What the tour saw of one call: its attempts, its outcome, the trace id the upstream got. */
interface Seen {
  attempts: AttemptOutcome[];
  outcome?: CallOutcome;
  traceId?: string | undefined;
}

/** An observer of the tour's own, beside faultline's signals: it only takes notes. */
class TourNotes implements RequestObserver {
  /** The last call to end. */
  last: Seen = { attempts: [] };
  readonly all: Seen[] = [];
  private readonly byCall = new WeakMap<CallInfo, Seen>();

  attemptStarted(call: CallInfo) {
    let seen = this.byCall.get(call);
    if (seen === undefined) {
      seen = { attempts: [] };
      this.byCall.set(call, seen);
      this.all.push(seen);
    }
    const notes = seen;
    return {
      run: <T>(fn: () => T) => fn(),
      // faultline's signals injected the attempt's traceparent just before.
      inject: (headers: Record<string, string>) => {
        notes.traceId ??= headers['traceparent']?.split('-')[1];
      },
      end: (outcome: AttemptOutcome) => {
        notes.attempts.push(outcome);
      },
    };
  }

  callEnded(call: CallInfo, outcome: CallOutcome) {
    const seen = this.byCall.get(call) ?? { attempts: [] };
    seen.outcome = outcome;
    this.last = seen;
  }
}

interface Row {
  call: string;
  outcome: string;
  attempts: string;
  waits: string;
  traceId: string;
  seen: Seen;
}

const started = Date.now();
const progress = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

// 1. The embedded parts.
const upstream = await startFlakyUpstream();
const sink = await startSentrySink();
const collector = await startFlakyUpstream();
const logDir = mkdtempSync(join(tmpdir(), 'faultline-demo-'));
const logFile = join(logDir, 'faultline.jsonl');

// 2. Configured by environment, as in production.
Object.assign(process.env, {
  SENTRY_DSN: sink.dsn,
  SENTRY_ENVIRONMENT: 'demo',
  SENTRY_RELEASE: 'faultline-demo@0.1.0',
  OTEL_SERVICE_NAME: 'faultline-demo',
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_METRIC_EXPORT_INTERVAL: '60000',
  OTEL_LOGS_EXPORTER: 'none',
  FAULTLINE_LOG_LEVEL: 'debug',
  FAULTLINE_RETRY_BASE_DELAY_MS: '100',
});
progress('faultline demo: embedded upstream, Sentry sink and OTLP collector are up; calling init()…');
const runtime = await init({
  logger: createLogger({
    level: 'debug',
    transports: [new winston.transports.File({ filename: logFile })],
  }),
  shutdownTimeoutMs: 3000,
});

const notes = new TourNotes();
const clientFor = (options: ClientOptions): Client =>
  createClient({ baseUrl: upstream.url, ...options, observers: [notes] });
const payments = clientFor({ name: 'payments', attemptTimeoutMs: 300 });

// 3. The tour.
const describeWaits = (seen: Seen): string =>
  seen.attempts
    .filter((a) => a.retry !== undefined)
    .map((a) => {
      const { delayMs, reason, delaySource } = a.retry!;
      const why =
        reason === 'retry_after'
          ? 'the server asked (Retry-After)'
          : reason === 'auth_refresh'
            ? 'token refreshed, replayed at once'
            : reason === 'backoff'
              ? 'exponential backoff, full jitter'
              : `${reason} (${delaySource})`;
      return `${delayMs} ms: ${why}`;
    })
    .join('; ') || (seen.outcome?.stopReason === undefined ? '—' : `no retry: ${seen.outcome.stopReason}`);

async function tour(call: string, run: () => Promise<unknown>): Promise<Row> {
  let outcome: string;
  try {
    await run();
    outcome = 'ok';
  } catch (error) {
    outcome = isRequestFailure(error) ? `${error.kind} ${error.code}` : `unexpected ${String(error)}`;
  }
  const seen = notes.last;
  return {
    call,
    outcome,
    attempts: String(seen.outcome?.attempts ?? seen.attempts.length),
    waits: describeWaits(seen),
    traceId: seen.traceId?.slice(0, 16) ?? '—',
    seen,
  };
}

const steps: [string, () => Promise<Row | Row[]>][] = [
  ['a healthy call', () => tour('GET /v1/charges/42', () => payments.json('/v1/charges/42'))],
  [
    'a token that expired: one shared refresh, one replay',
    async () => {
      let token = 'expired';
      upstream.handle('/v1/me', (request, response) => {
        const ok = request.headers.authorization === 'Bearer fresh-token';
        response.writeHead(
          ok ? 200 : 401,
          ok ? { 'content-type': 'application/json' } : { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
        response.end(ok ? '{"id":"u_1"}' : '');
      });
      const account = clientFor({
        name: 'account',
        auth: bearerToken({ getToken: () => token, refresh: async () => (token = 'fresh-token') }),
      });
      return tour('GET /v1/me (token expired)', () => account.json('/v1/me'));
    },
  ],
  [
    'wrong credentials',
    () => {
      upstream.script('/admin', {
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="admin"' },
      });
      return tour('GET /admin (wrong password)', () =>
        clientFor({ name: 'admin', auth: basicAuth('ops', 'wrong') }).get('/admin'),
      );
    },
  ],
  [
    'forbidden',
    () => {
      upstream.script('/v1/charges/99/refund', { status: 403 });
      return tour('POST /v1/charges/99/refund', () => payments.post('/v1/charges/99/refund', { json: { amount: 5 } }));
    },
  ],
  [
    'throttled, then served after Retry-After',
    () => {
      upstream.script(
        '/v1/quotes',
        { status: 429, headers: { 'retry-after': '1' } },
        { status: 200, body: '{"quote":1}' },
      );
      return tour('GET /v1/quotes', () => payments.json('/v1/quotes'));
    },
  ],
  [
    'throttled for longer than we wait',
    () => {
      upstream.script('/v1/rates', { status: 429, headers: { 'retry-after': '120' } });
      return tour('GET /v1/rates (Retry-After: 120)', () => payments.json('/v1/rates'));
    },
  ],
  [
    'a 503 that does not heal: backoff, then give up',
    () => {
      upstream.script('/v1/ledger', { status: 503 });
      return tour('GET /v1/ledger', () => payments.json('/v1/ledger'));
    },
  ],
  [
    'a 500: not retried',
    () => {
      upstream.script('/v1/ledger/export', { status: 500 });
      return tour('GET /v1/ledger/export', () => payments.get('/v1/ledger/export'));
    },
  ],
  [
    'an upstream that hangs: attempt deadline',
    () => {
      upstream.script('/v1/reports', { fault: 'hang' });
      return tour('GET /v1/reports (hangs)', () =>
        payments.get('/v1/reports', {
          retry: exponentialBackoff({ maxAttempts: 2, baseDelayMs: 50 }),
        }),
      );
    },
  ],
  [
    'nobody listening: connection refused',
    async () => {
      const port = await closedPort();
      const offline = createClient({
        name: 'fx',
        baseUrl: `http://127.0.0.1:${port}`,
        observers: [notes],
      });
      return tour('GET /v1/fx (refused)', () => offline.get('/v1/fx'));
    },
  ],
  [
    'a body that is not JSON',
    () => {
      upstream.script('/v1/catalog', { status: 200, body: '<html>maintenance</html>' });
      return tour('GET /v1/catalog (HTML body)', () => payments.json('/v1/catalog'));
    },
  ],
  [
    'a 404',
    () => {
      upstream.script('/v1/charges/404', { status: 404, body: '{"error":"no such charge"}' });
      return tour('GET /v1/charges/404', () => payments.get('/v1/charges/404'));
    },
  ],
  [
    'the caller gives up',
    () => {
      upstream.script('/v1/slow', { fault: 'hang' });
      return tour('GET /v1/slow (aborted at 150 ms)', () =>
        payments.get('/v1/slow', { signal: AbortSignal.timeout(150), attemptTimeoutMs: 5000 }),
      );
    },
  ],
  [
    'a circuit that opens, then recovers',
    async () => {
      upstream.script('/v1/inventory', { status: 503 });
      const inventory = clientFor({
        name: 'inventory',
        retry: circuitBreaker(noRetry(), { failureThreshold: 3, halfOpenAfterMs: 1000 }),
      });
      for (let i = 0; i < 3; i++) await inventory.get('/v1/inventory').catch(() => {});
      const hitsWhileClosed = upstream.hits('/v1/inventory');
      const opened = await tour('GET /v1/inventory (after 3 failures)', () => inventory.get('/v1/inventory'));
      opened.call += ` [upstream hits: ${hitsWhileClosed} → ${upstream.hits('/v1/inventory')}]`;
      upstream.script('/v1/inventory', { status: 200, body: '{"stock":3}' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const recovered = await tour('GET /v1/inventory (1.1 s later, healed)', () => inventory.json('/v1/inventory'));
      return [opened, recovered];
    },
  ],
  [
    'a retry budget holding back a storm',
    async () => {
      upstream.script('/v1/search', { status: 503 });
      const search = clientFor({
        name: 'search',
        retry: retryBudget(exponentialBackoff({ maxAttempts: 4, baseDelayMs: 20 }), {
          ratio: 0.1,
          minRetriesPerSecond: 1,
        }),
      });
      const before = notes.all.length;
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => search.get('/v1/search')));
      const calls = notes.all.slice(before);
      const exhausted = calls.filter((c) => c.outcome?.stopReason === 'retry_budget_exhausted').length;
      const failed = results.filter((r) => r.status === 'rejected').length;
      return {
        call: `100 × GET /v1/search, all 503 [upstream hits: ${upstream.hits('/v1/search')}, not 400]`,
        outcome: `server 503 × ${failed}`,
        attempts: `${upstream.hits('/v1/search')} total`,
        waits: `the budget allowed ${upstream.hits('/v1/search') - 100} retries (10% of calls + a floor of 10); ${exhausted} calls stopped on retry_budget_exhausted`,
        traceId: '(one per call)',
        seen: { attempts: [] },
      };
    },
  ],
];

const rows: Row[] = [];
for (const [index, [title, step]] of steps.entries()) {
  progress(`  [${String(index + 1).padStart(2)}/${steps.length}] ${title}…`);
  const result = await step();
  rows.push(...(Array.isArray(result) ? result : [result]));
}

// 4. Where each failure went in Sentry: group the received events by fingerprint.
progress('  flushing signals (Sentry, OTLP spans and metrics, logs)…');
await runtime.shutdown();
const events = sink.events();
const issues = new Map<string, number>();
const issueOf = (traceId: string | undefined): string => {
  if (traceId === undefined) return '—';
  const event = events.find((e) => String(e.contexts?.['trace']?.['trace_id']).startsWith(traceId));
  if (event === undefined) return '— (not reported)';
  const key = (event.fingerprint ?? []).slice(1).join(' · ');
  if (!issues.has(key)) issues.set(key, issues.size + 1);
  return `#${issues.get(key)} ${key} (${event.level})`;
};
const table = rows.map((row) => ({
  ...row,
  sentry: row.seen.outcome?.failure === undefined ? '—' : issueOf(row.seen.traceId ?? ''),
}));

const columns: [string, (row: (typeof table)[number]) => string][] = [
  ['call', (r) => r.call],
  ['outcome', (r) => r.outcome],
  ['attempts', (r) => r.attempts],
  ['why each retry waited as long as it did', (r) => r.waits],
  ['Sentry issue', (r) => r.sentry],
  ['trace id', (r) => r.traceId],
];
const widths = columns.map(([title, cell]) =>
  Math.min(70, Math.max(title.length, ...table.map((r) => cell(r).length))),
);
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write('\n');
process.stdout.write(`${line(columns.map(([title]) => title))}\n`);
process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
for (const row of table) process.stdout.write(`${line(columns.map(([, cell]) => cell(row)))}\n`);

const logLines = readFileSync(logFile, 'utf8').trim().split('\n').length;
const spans = collector.seen('/v1/traces').reduce((n, r) => n + (r.body.match(/"kind":3/g)?.length ?? 0), 0);
process.stdout.write(`
JSON logs:     ${logFile} (${logLines} lines, one per failed attempt and per call, with trace_id/span_id)
               e.g. grep '"faultline.failure.kind":"throttled"' ${logFile}
Sentry:        ${events.length} events at the embedded sink, grouped into ${issues.size} issues by faultline · upstream · method · route · kind
               (the storm's 100 failures of one endpoint were capped at ${events.filter((e) => e.tags?.['faultline.upstream'] === 'search').length} events per minute)
OpenTelemetry: ${spans} CLIENT spans and ${collector.hits('/v1/metrics')} metric export(s) received by the embedded OTLP collector
Done in ${((Date.now() - started) / 1000).toFixed(1)} s.
`);

await Promise.all([upstream.close(), sink.close(), collector.close()]);
process.exit(0);
