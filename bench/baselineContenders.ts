import { type Attributes, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, request } from 'undici';
import type { Contender } from './contenders.js';

/** Switches a registered `@opentelemetry/instrumentation-undici` on and off around its rows. */
export interface Instrumented {
  enter(): void;
  leave(): void;
}

/** What the floor throws for a status of 400 or more: a plain Error, its stack captured. */
class FloorError extends Error {
  override readonly name = 'FloorError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The semantic conventions' buckets for `http.client.request.duration`, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The floor of issue 25: the least any library pays for the signals the SPEC requires,
 * written by hand against `@opentelemetry/api` only (no faultline code), on the SDK the
 * signals phase sets up. A success is undici.request plus a CLIENT span with the stable
 * HTTP client attributes and one `http.client.request.duration` record; a failure adds
 * the span's ERROR status and `error.type`, `error.type` on the record, a failures
 * counter and a thrown Error with its stack. Nothing else: no active context around the
 * request, no propagation headers of its own, no log line, no Sentry event.
 */
export function floorContender(baseUrl: string): Contender {
  const tracer = trace.getTracer('bench-floor');
  const meter = metrics.getMeter('bench-floor');
  const durations = meter.createHistogram('http.client.request.duration', {
    unit: 's',
    description: 'Duration of HTTP client requests.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const failures = meter.createCounter('bench.floor.failures', { unit: '{failure}' });
  const { hostname } = new URL(baseUrl);
  const port = Number(new URL(baseUrl).port);
  const agent = new Agent();
  const send = async (path: string): Promise<void> => {
    const url = baseUrl + path;
    const started = performance.now();
    const span = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'server.address': hostname, 'server.port': port, 'url.full': url },
    });
    const attributes: Attributes = { 'http.request.method': 'GET', 'server.address': hostname, 'server.port': port };
    let failure: Error | undefined;
    let errorType: string | undefined;
    try {
      const { statusCode, body } = await request(url, { dispatcher: agent });
      await body.json();
      span.setAttribute('http.response.status_code', statusCode);
      attributes['http.response.status_code'] = statusCode;
      if (statusCode >= 400) {
        failure = new FloorError(`GET ${url} failed with ${statusCode}`, statusCode);
        errorType = String(statusCode);
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      errorType = failure.name;
    }
    if (failure !== undefined && errorType !== undefined) {
      span.setAttribute('error.type', errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      attributes['error.type'] = errorType;
      failures.add(1, { 'server.address': hostname, 'error.type': errorType });
    }
    span.end();
    durations.record((performance.now() - started) / 1000, attributes);
    if (failure !== undefined) throw failure;
  };
  return {
    name: 'floor: undici + hand-written span and histogram',
    describe:
      'undici.request + a CLIENT span (http.request.method, server.address, server.port, url.full, http.response.status_code) and one http.client.request.duration record, by hand on @opentelemetry/api; a failure: ERROR status and error.type, a failures counter, a thrown Error',
    quick: true,
    send: (path) =>
      send(path).catch((error: unknown) => {
        if (!(error instanceof FloorError && error.status === 503)) throw error;
      }),
    close: () => agent.close(),
  };
}

/**
 * undici.request traced and measured by `@opentelemetry/instrumentation-undici` alone (a
 * CLIENT span and `http.client.request.duration` per request), no log line and no Sentry
 * event: what a team that wants spans and metrics only would run. A 503 is read like a 200
 * (undici.request does not throw on a status).
 */
export function instrumentedUndiciContender(baseUrl: string, instrumented: Instrumented): Contender {
  const agent = new Agent();
  return {
    name: 'undici.request + instrumentation-undici',
    describe:
      'undici.request with @opentelemetry/instrumentation-undici registered (registerInstrumentations on the same providers): span + histogram, no logs',
    quick: true,
    send: async (path) => {
      const { body } = await request(baseUrl + path, { dispatcher: agent });
      await body.json();
    },
    ...instrumented,
    close: () => agent.close(),
  };
}
