// npm run demo
//
// faultline's main job in one run: an embedded flaky upstream, an embedded Sentry
// envelope sink and an embedded OTLP collector; faultline set up through init() the way
// production is (environment variables pointed at the embedded parts); then a scripted
// tour through every failure kind, a throttle that honours Retry-After, a token refresh,
// a circuit that opens and recovers and a retry budget holding back a storm. It prints a
// table of what happened, the Sentry issue each failure went to (matched by the fingerprint
// the call gets and the event's trace id, so a row never borrows another's issue) and the
// full trace id of each call, then where the JSON logs went: one folder in the temp
// directory, `faultline-demo`, cleared and reused at every run.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import {
  basicAuth,
  bearerToken,
  type Client,
  type ClientOptions,
  adaptiveConcurrency,
  circuitBreaker,
  createClient,
  FAILURE_KINDS,
  init,
  isRequestFailure,
  type RequestObserver,
  retry,
  retryBudget,
  throttle,
} from '../src/index.js';
import { closedPort, startFaultServer, type SentryEvent, startSentrySink } from '../src/testing/index.js';
import { renderTable } from './support/textTable.js';

// What an observer is handed, named from RequestObserver's own signatures.
type CallInfo = Parameters<NonNullable<RequestObserver['callEnded']>>[0];
type CallOutcome = Parameters<NonNullable<RequestObserver['callEnded']>>[1];
type AttemptOutcome = Parameters<NonNullable<ReturnType<NonNullable<RequestObserver['attemptStarted']>>>['end']>[0];

/** What the tour saw of one call: its attempts, its outcome, the trace id the upstream got. */
interface Seen {
  call?: CallInfo;
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
    seen.call = call;
    seen.outcome = outcome;
    this.last = seen;
  }
}

interface Row {
  call: string;
  outcome: string;
  attempts: string;
  waits: string;
  /** `trace <the full id>`, or what stands for it (a row of many calls, a call never sent). */
  trace: string;
  /** The calls behind the row: one, or all of a storm's. */
  calls: Seen[];
}

const started = Date.now();
const progress = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

// 1. The embedded parts.
const upstream = await startFaultServer();
const sink = await startSentrySink();
const collector = await startFaultServer();
// One folder, reused: each run clears it, so runs do not pile up in the temp directory.
const logDir = join(tmpdir(), 'faultline-demo');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
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
progress(`  JSON logs go to ${logFile} (the folder is cleared at each run)`);
const runtime = await init({
  // The app's own winston logger, as it is: faultline adds trace_id and span_id to its lines.
  logger: winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.File({ filename: logFile })],
  }),
  shutdownTimeoutMs: 3000,
});

const notes = new TourNotes();
const clientFor = (options: ClientOptions): Client =>
  createClient({ baseUrl: upstream.url, ...options, telemetry: { observers: [notes] } });
const payments = clientFor({ name: 'payments', timeout: { attemptMs: 300 } });

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
    trace: seen.traceId === undefined ? 'no trace: nothing was sent' : `trace ${seen.traceId}`,
    calls: [seen],
  };
}

/** One row for many calls of one endpoint that all ended alike. */
function summary(call: string, calls: Seen[], note?: string): Row {
  const outcomes = new Map<string, number>();
  for (const seen of calls) {
    const failure = seen.outcome?.failure;
    const text = failure === undefined ? 'ok' : `${failure.kind} ${failure.code}`;
    outcomes.set(text, (outcomes.get(text) ?? 0) + 1);
  }
  return {
    call,
    outcome: [...outcomes].map(([text, count]) => `${text} × ${count}`).join(', '),
    attempts: `${calls.reduce((n, seen) => n + (seen.outcome?.attempts ?? 0), 0)} total`,
    waits: note ?? [...new Set(calls.map(describeWaits))].join('; '),
    trace: `(${calls.length} traces, one per call)`,
    calls,
  };
}

// A call's own list replaces the client's; built once per array, so it is a constant.
const twoQuickTries = [retry({ maxAttempts: 2, baseDelayMs: 50 }), throttle()];

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
      return tour('GET /v1/reports (hangs)', () => payments.get('/v1/reports', { resilience: twoQuickTries }));
    },
  ],
  [
    'nobody listening: connection refused',
    async () => {
      const port = await closedPort();
      const offline = createClient({
        name: 'fx',
        baseUrl: `http://127.0.0.1:${port}`,
        telemetry: { observers: [notes] },
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
        payments.get('/v1/slow', { signal: AbortSignal.timeout(150), timeout: { attemptMs: 5000 } }),
      );
    },
  ],
  [
    'a circuit that opens, then recovers',
    async () => {
      upstream.script('/v1/inventory', { status: 503 });
      const inventory = clientFor({
        name: 'inventory',
        // A breaker and no retry: the list holds only what the client should do.
        resilience: [circuitBreaker({ failureThreshold: 3, breakDurationMs: 1000 }), throttle()],
      });
      const before = notes.all.length;
      for (let i = 0; i < 3; i++) await inventory.get('/v1/inventory').catch(() => {});
      const failing = summary('3 × GET /v1/inventory, all 503: the circuit opens', notes.all.slice(before));
      const hitsWhileClosed = upstream.hits('/v1/inventory');
      const opened = await tour('GET /v1/inventory (circuit open)', () => inventory.get('/v1/inventory'));
      opened.call += ` [upstream hits: ${hitsWhileClosed} → ${upstream.hits('/v1/inventory')}]`;
      upstream.script('/v1/inventory', { status: 200, body: '{"stock":3}' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const recovered = await tour('GET /v1/inventory (1.1 s later, healed)', () => inventory.json('/v1/inventory'));
      return [failing, opened, recovered];
    },
  ],
  [
    'an upstream at its concurrency limit sheds load',
    async () => {
      upstream.script('/v1/quotes', { status: 200, json: { quote: 1 }, delayMs: 300 });
      const quotes = clientFor({
        name: 'quotes',
        // One call in flight at most and no queue: the next is refused here, unsent.
        resilience: [adaptiveConcurrency({ initialLimit: 1, minLimit: 1, maxLimit: 1, queue: { size: 0 } })],
      });
      const held = quotes.json('/v1/quotes');
      const shed = await tour('GET /v1/quotes (over the concurrency limit)', () => quotes.json('/v1/quotes'));
      await held;
      shed.call += ` [upstream hits: ${upstream.hits('/v1/quotes')}, for 2 calls]`;
      return shed;
    },
  ],
  [
    'a retry budget holding back a storm',
    async () => {
      upstream.script('/v1/search', { status: 503 });
      const search = clientFor({
        name: 'search',
        // The budget after the retry it prices: it may turn retry's wait into a stop.
        resilience: [
          retry({ maxAttempts: 4, baseDelayMs: 20 }),
          retryBudget({ ratio: 0.1, minRetriesPerSecond: 1 }),
          throttle(),
        ],
      });
      const before = notes.all.length;
      await Promise.allSettled(Array.from({ length: 100 }, () => search.get('/v1/search')));
      const calls = notes.all.slice(before);
      const exhausted = calls.filter((c) => c.outcome?.stopReason === 'retry_budget_exhausted').length;
      return summary(
        `100 × GET /v1/search, all 503 [upstream hits: ${upstream.hits('/v1/search')}, not 400]`,
        calls,
        `the budget allowed ${upstream.hits('/v1/search') - 100} retries (10% of calls + a floor of 10); ${exhausted} calls stopped on retry_budget_exhausted`,
      );
    },
  ],
];

const rows: Row[] = [];
for (const [index, [title, step]] of steps.entries()) {
  progress(`  [${String(index + 1).padStart(2)}/${steps.length}] ${title}…`);
  const result = await step();
  rows.push(...(Array.isArray(result) ? result : [result]));
}

// 4. Where each failure went in Sentry. A row's issue is the fingerprint its call gets
// (faultline / upstream / method / route / kind), and only the events carrying one of the
// row's own trace ids count as its own: a row whose call sent no event says why.
progress('  flushing signals (Sentry, OTLP spans and metrics, logs)…');
await runtime.shutdown();
const events = sink.events();
// What faultline reports, as the environment says, else its defaults (README, "Sentry"):
// every kind but client, cancelled, circuit_open and load_shed, at most 10 events per fingerprint a minute.
const reportedKinds = new Set<string>(
  process.env['FAULTLINE_REPORT_KINDS']?.split(',').map((kind) => kind.trim()) ??
    FAILURE_KINDS.filter((kind) => !['client', 'cancelled', 'circuit_open', 'load_shed'].includes(kind)),
);
const capPerMinute = Number(process.env['FAULTLINE_REPORT_CAP_PER_MINUTE'] ?? 10);
const heldBack = heldBackByTheCap(collector.seen('/v1/metrics').map((request) => request.body));

const fingerprintOf = (seen: Seen): string[] => [
  'faultline',
  seen.call?.upstream ?? '',
  seen.call?.method ?? '',
  seen.call?.route ?? '',
  seen.outcome?.failure?.kind ?? '',
];
const keyOf = (fingerprint: readonly string[]): string => JSON.stringify(fingerprint);
const nameOf = (fingerprint: readonly string[]): string => fingerprint.slice(1).join(' · ');
const traceIdOf = (event: SentryEvent): string => String(event.contexts?.['trace']?.['trace_id'] ?? '');

// The events as Sentry groups them: by fingerprint.
const received = new Map<string, SentryEvent[]>();
for (const event of events) {
  const key = keyOf(event.fingerprint ?? []);
  received.set(key, [...(received.get(key) ?? []), event]);
}
// Issues are numbered in the order the table first shows them.
const issueNumbers = new Map<string, number>();
const issueNumber = (key: string): number => {
  if (!issueNumbers.has(key)) issueNumbers.set(key, issueNumbers.size + 1);
  return issueNumbers.get(key)!;
};

function sentryCell(row: Row): string {
  const failed = row.calls.filter((seen) => seen.outcome?.failure !== undefined);
  const first = failed[0];
  if (first === undefined) return '—';
  const fingerprint = fingerprintOf(first);
  const [, upstream, , , kind] = fingerprint;
  if (!reportedKinds.has(kind!)) return `not reported: ${kind} is not a reported kind`;
  const key = keyOf(fingerprint);
  const traceIds = new Set(failed.map((seen) => seen.traceId).filter((id) => id !== undefined && id !== ''));
  const own = (received.get(key) ?? []).filter((event) => traceIds.has(traceIdOf(event)));
  const missing = failed.length - own.length;
  // faultline counts what the cap held back per upstream and kind, not per route: at most
  // this row's missing events can be its share.
  const capped = Math.min(missing, heldBack.get(`${upstream}\u0000${kind}`) ?? 0);
  if (own.length === 0) return capped > 0 ? 'no event: held back by the cap' : 'no event received';
  const issue = `#${issueNumber(key)} ${nameOf(fingerprint)} (${own[0]!.level ?? 'no level'})`;
  if (failed.length === 1) return issue;
  const counts = [`${own.length} event${own.length === 1 ? '' : 's'} for ${failed.length} failed calls`];
  if (capped > 0) counts.push(`${capped} held back by the cap`);
  if (missing > capped) counts.push(`${missing - capped} not received`);
  return `${issue}: ${counts.join(', ')}`;
}

const sentryCells = rows.map(sentryCell);
// Fingerprints the sink received that no row shows (none, unless the tour changes).
const unshown = [...received]
  .filter(([key]) => !issueNumbers.has(key))
  .map(([key, list]) => `#${issueNumber(key)} ${nameOf(list[0]!.fingerprint ?? [])} (${list.length} events)`);

const table = renderTable(
  [
    { title: 'call', maxWidth: 38 },
    { title: 'outcome', maxWidth: 23 },
    { title: 'attempts', maxWidth: 9 },
    { title: 'why each retry waited as long as it did', maxWidth: 34 },
    { title: 'Sentry issue', maxWidth: 40 },
  ],
  rows.map((row, i) => [`${row.call}\n${row.trace}`, row.outcome, row.attempts, row.waits, sentryCells[i]!]),
);
process.stdout.write(`\n${table.join('\n')}\n`);

const logLines = readFileSync(logFile, 'utf8').trim().split('\n').length;
const spans = collector.seen('/v1/traces').reduce((n, r) => n + (r.body.match(/"kind":3/g)?.length ?? 0), 0);
process.stdout.write(`
JSON logs:     ${logFile} (${logLines} lines, one per failed attempt and per call, with trace_id/span_id)
               e.g. grep '"faultline.failure.kind":"throttled"' ${logFile}
               (one folder for every run of the demo, cleared at the start of each)
Sentry:        ${events.length} events at the embedded sink, in ${received.size} issues (distinct fingerprints: faultline · upstream · method · route · kind)${unshown.map((text) => `\n               also ${text}`).join('')}
               at most ${capPerMinute} events per fingerprint a minute: ${[...heldBack.values()].reduce((a, b) => a + b, 0)} held back by the cap
OpenTelemetry: ${spans} CLIENT spans and ${collector.hits('/v1/metrics')} metric export(s) received by the embedded OTLP collector
Done in ${((Date.now() - started) / 1000).toFixed(1)} s.
`);

await Promise.all([upstream.close(), sink.close(), collector.close()]);
process.exit(0);

/** Sentry events held back by the cap, by upstream and kind, from faultline's own counter. */
function heldBackByTheCap(otlpBodies: readonly string[]): Map<string, number> {
  interface DataPoint {
    attributes?: { key: string; value: { stringValue?: string } }[];
    // Observable counters arrive as doubles; an integer counter would send asInt.
    asInt?: number | string;
    asDouble?: number;
  }
  interface Export {
    resourceMetrics?: { scopeMetrics?: { metrics?: { name: string; sum?: { dataPoints?: DataPoint[] } }[] }[] }[];
  }
  const counts = new Map<string, number>();
  for (const body of otlpBodies) {
    let parsed: Export;
    try {
      parsed = JSON.parse(body) as Export;
    } catch {
      continue;
    }
    const metrics = (parsed.resourceMetrics ?? []).flatMap((r) =>
      (r.scopeMetrics ?? []).flatMap((s) => s.metrics ?? []),
    );
    for (const metric of metrics.filter((m) => m.name === 'faultline.sentry.suppressed')) {
      for (const point of metric.sum?.dataPoints ?? []) {
        const attribute = (key: string): string =>
          point.attributes?.find((a) => a.key === key)?.value.stringValue ?? '';
        // Cumulative counts: the last export holds the total.
        counts.set(
          `${attribute('faultline.upstream')}\u0000${attribute('faultline.failure.kind')}`,
          Number(point.asInt ?? point.asDouble ?? 0),
        );
      }
    }
  }
  return counts;
}
