import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import * as Sentry from '@sentry/node';
import { Agent, request } from 'undici';
import winston from 'winston';
import type { Writable } from 'node:stream';
import type { Instrumented } from './baselineContenders.js';
import { type Contender, expectFailure } from './contenders.js';

/** What the hand-rolled stack throws for a status of 400 or more (as a team's wrapper would). */
class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly response: { readonly statusCode: number };
  constructor(method: string, url: string, statusCode: number) {
    super(`${method} ${url} failed with ${statusCode}`);
    this.response = { statusCode };
  }
}

/**
 * The stack a team writes today without faultline, in the same process as faultline's
 * signal rows: `@opentelemetry/instrumentation-undici` registered the official way
 * (`registerInstrumentations` on the same tracer and meter providers) traces and measures
 * every request — a CLIENT span and `http.client.request.duration` — and each failure
 * gets a winston JSON line plus `Sentry.captureException` with a status tag (what the
 * seeds' Python does), with no cap. Once over undici.request, once over global fetch.
 *
 * The instrumentation is switched on only while these rows run (`enter`/`leave`), so the
 * other rows of the phase — undici.request in the same process and faultline — are
 * measured as before, without a second subscriber to undici's diagnostics channels.
 */
export function handRolledContenders(baseUrl: string, instrumented: Instrumented, lines: Writable): Contender[] {
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: lines })],
  });
  const failed = (method: string, url: string, statusCode: number): never => {
    const error = new UpstreamError(method, url, statusCode);
    logger.error('upstream request failed', { method, url, status: statusCode, error: error.message });
    Sentry.captureException(error, { tags: { 'http.status_code': String(statusCode) } });
    throw error;
  };
  const agent = new Agent();
  const stacks: Contender[] = [
    {
      name: 'hand-rolled undici.request stack',
      describe:
        'undici.request + instrumentation-undici, and per failure a winston JSON line and Sentry.captureException (no cap)',
      quick: true,
      send: async (path) => {
        const url = baseUrl + path;
        const { statusCode, body } = await request(url, { dispatcher: agent });
        await body.json();
        if (statusCode >= 400) failed('GET', url, statusCode);
      },
      ...instrumented,
      close: () => agent.close(),
    },
    {
      name: 'hand-rolled global fetch stack',
      describe: 'the same stack over global fetch',
      send: async (path) => {
        const url = baseUrl + path;
        const res = await fetch(url);
        await res.json();
        if (!res.ok) failed('GET', url, res.status);
      },
      ...instrumented,
      close: async () => {},
    },
  ];
  return stacks.map((contender) => ({ ...contender, send: (path) => contender.send(path).catch(expectFailure) }));
}

/**
 * `@opentelemetry/instrumentation-undici` registered the official way
 * (`registerInstrumentations` on the signals phase's providers), then switched off: the
 * rows that use it switch it on while they run, so no other row pays a second subscriber
 * to undici's diagnostics channels. One instance for every such row.
 */
export function undiciInstrumentation(providers: {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
}): Instrumented {
  const instrumentation = new UndiciInstrumentation();
  registerInstrumentations({ instrumentations: [instrumentation], ...providers });
  instrumentation.disable();
  return { enter: () => instrumentation.enable(), leave: () => instrumentation.disable() };
}
