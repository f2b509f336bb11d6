import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A Sentry event as the real SDK put it on the wire (the fields faultline sets). */
export interface SentryEvent {
  readonly event_id: string;
  readonly level?: string;
  readonly message?: string;
  readonly tags?: Record<string, string>;
  readonly fingerprint?: string[];
  readonly contexts?: Record<string, Record<string, unknown>>;
  readonly extra?: Record<string, unknown>;
  readonly breadcrumbs?: {
    category?: string;
    message?: string;
    data?: Record<string, unknown>;
    level?: string;
  }[];
  readonly exception?: { values: { type: string; value: string }[] };
}

/** One span the SDK streamed: its name, trace and attributes. */
export interface SentrySpan {
  readonly name: string;
  readonly trace_id: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * How the sink answers: `ok`, `hang` (accepts and never answers), `429` (Retry-After: 60),
 * `rate-limits` (200 with `X-Sentry-Rate-Limits`), to test a service whose Sentry is unwell.
 */
export type SinkMode = 'ok' | 'hang' | '429' | 'rate-limits';

/** A loopback Sentry ingest endpoint. */
export interface SentrySink {
  /** `http://public@127.0.0.1:PORT/1`: the DSN to give `Sentry.init` (or `SENTRY_DSN`). */
  readonly dsn: string;
  /** Every raw envelope body received (for leak checks: a secret must appear in none). */
  readonly raw: string[];
  /** The events received so far, in order: a live array, emptied by `reset()`. */
  readonly received: SentryEvent[];
  /** A copy of the events received so far. */
  events(): SentryEvent[];
  /** Spans the SDK streamed (Sentry 11 sends `span` items), attributes flattened. */
  spans(): SentrySpan[];
  setMode(mode: SinkMode): void;
  /** Resolves once at least `count` events have arrived (or after `ms`). */
  waitForEvents(count: number, ms?: number): Promise<SentryEvent[]>;
  /** Forgets everything received. */
  reset(): void;
  close(): Promise<void>;
}

/** Node's channel for an incoming request, before the server emits it. */
const SERVER_REQUEST_START = 'http.server.request.start';
/** Where @sentry/core 11 marks a request its server instrumentation has handled. */
const SENTRY_SEEN = Symbol.for('sentry_http_server_instrumented');

/**
 * Starts a loopback Sentry ingest endpoint: point the real `@sentry/node` at its `dsn` and
 * the envelopes it sends are decoded here (gzip included); `event` items become
 * {@link SentryEvent}s, `span` items {@link SentrySpan}s, other items (sessions) are ignored.
 *
 * @example
 * ```ts
 * const sink = await startSentrySink();
 * Sentry.init({ dsn: sink.dsn });
 * // … a call fails …
 * await Sentry.flush(2000);
 * assert.equal(sink.received[0]?.tags?.['faultline.failure.kind'], 'timeout');
 * ```
 */
export async function startSentrySink(): Promise<SentrySink> {
  const raw: string[] = [];
  const events: SentryEvent[] = [];
  const spans: SentrySpan[] = [];
  const sockets = new Set<Socket>();
  let mode: SinkMode = 'ok';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8');
      raw.push(text);
      readEnvelope(text, events, spans);
      if (mode === 'hang') return;
      if (mode === '429') {
        res.writeHead(429, { 'retry-after': '60' });
        res.end();
        return;
      }
      if (mode === 'rate-limits') {
        res.writeHead(200, { 'x-sentry-rate-limits': '60:error;transaction:key' });
        res.end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  // The SDK under test would trace the sink's own ingest: every envelope a server span,
  // sent in an envelope of its own, forever. After a storm, thousands circulate and the
  // SDK's queue drops the spans a test waits for. Sentry's HTTP server instrumentation
  // leaves a request it has marked as seen alone; the sink's requests are marked first.
  const markIngest = (message: unknown): void => {
    const { request, server: from } = message as { request?: IncomingMessage; server?: unknown };
    if (from === server && request !== undefined) Object.defineProperty(request, SENTRY_SEEN, { value: true });
  };
  diagnosticsChannel.subscribe(SERVER_REQUEST_START, markIngest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://public@127.0.0.1:${port}/1`,
    raw,
    received: events,
    events: () => [...events],
    spans: () => [...spans],
    setMode(next) {
      mode = next;
    },
    async waitForEvents(count, ms = 5000) {
      const deadline = Date.now() + ms;
      while (events.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      return [...events];
    },
    reset() {
      raw.length = 0;
      events.length = 0;
      spans.length = 0;
    },
    async close() {
      diagnosticsChannel.unsubscribe(SERVER_REQUEST_START, markIngest);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Newline-delimited JSON: the envelope header, then item header and payload pairs. */
function readEnvelope(text: string, events: SentryEvent[], spans: SentrySpan[]): void {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  for (let i = 1; i + 1 < lines.length; i += 2) {
    try {
      const header = JSON.parse(lines[i]!) as { type?: string };
      if (header.type === 'event') events.push(JSON.parse(lines[i + 1]!) as SentryEvent);
      if (header.type === 'span') {
        const payload = JSON.parse(lines[i + 1]!) as {
          items?: { name: string; trace_id: string; attributes?: Record<string, { value: unknown }> }[];
        };
        for (const item of payload.items ?? []) {
          const attributes = Object.fromEntries(
            Object.entries(item.attributes ?? {}).map(([key, { value }]) => [key, value]),
          );
          spans.push({ name: item.name, trace_id: item.trace_id, attributes });
        }
      }
    } catch {
      // not an item we read
    }
  }
}
