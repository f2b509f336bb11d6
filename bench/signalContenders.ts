import { closeSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { context, metrics, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import winston, { type Logger } from 'winston';
import { createClient, throttle } from '../src/index.js';
// The logger faultline builds when an app gives none (not a public export: the bench is not a user).
import { createLogger } from '../src/signals/logs/createLogger.js';
import { type Contender, expectFailure } from './contenders.js';
import { floorContender, instrumentedUndiciContender } from './baselineContenders.js';
import { handRolledContenders, undiciInstrumentation } from './handRolledContenders.js';

/** Accepts spans and drops them: the export pipeline runs, the network does not. */
class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Where the log lines go: /dev/null, written synchronously, as Node writes to stdout when
 * it is a file or (on Linux) a pipe, which is where a service's lines usually go.
 */
function devNull(): Writable {
  const fd = openSync('/dev/null', 'w');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
    destroy(error, done) {
      closeSync(fd);
      done(error);
    },
  });
}

/** The log-sampling variables the bench passes through to faultline's clients. */
const SAMPLING_VARIABLES = ['FAULTLINE_LOG_SAMPLE_INITIAL', 'FAULTLINE_LOG_SAMPLE_THEREAFTER'] as const;

/**
 * The clients' environment: the log-sampling variables of the bench's own environment, or
 * with `sampling: 'off'` values under which every failure line is written (more lines a
 * second than a round sends, then one in one).
 */
function clientEnv(sampling: 'on' | 'off'): Record<string, string> {
  if (sampling === 'off') return { FAULTLINE_LOG_SAMPLE_INITIAL: '1000000', FAULTLINE_LOG_SAMPLE_THEREAFTER: '1' };
  const env: Record<string, string> = {};
  for (const name of SAMPLING_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * faultline with every signal on, as a service would run it: the OpenTelemetry SDK with a
 * BatchSpanProcessor and a meter provider, winston writing JSON lines at info (to
 * /dev/null), Sentry initialised (events to the bench server) with the default cap and
 * the default storm sampling of log lines (or none, with `sampling: 'off'`). Beside it,
 * the hand-rolled stacks a team writes without faultline, in the same process.
 */
export async function signalContenders(
  baseUrl: string,
  sampling: 'on' | 'off' = 'on',
): Promise<{ contenders: Contender[]; logger: Logger; shutdown: () => Promise<void> }> {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new DiscardingExporter())],
  });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  Sentry.init({
    dsn: `${baseUrl.replace('http://', 'http://public@')}/1`,
    integrations: [Sentry.openTelemetryIntegration()],
  });
  // A service's Sentry and OpenTelemetry HTTP server integrations run every incoming
  // request in their AsyncLocalStorage, which makes Node track every promise from then on.
  // Doing the same here at once keeps the figures from depending on which contender
  // happens to run first (faultline's first call would switch it on for all of them).
  Sentry.withIsolationScope(() => context.with(ROOT_CONTEXT, () => undefined));
  const logger = createLogger({
    level: 'info',
    transports: [new winston.transports.Stream({ stream: devNull() })],
  });
  const env = clientEnv(sampling);
  // No retry, and the Retry-After hold every client of 0.1 had: what these rows measured then.
  const resilience = [throttle()];
  const json = createClient({ baseUrl, name: 'bench-signals', resilience, telemetry: { logger }, env });
  const get = createClient({ baseUrl, name: 'bench-signals', resilience, telemetry: { logger }, env });

  const instrumented = undiciInstrumentation({ tracerProvider, meterProvider });
  const SIGNALS =
    'createClient({ name, baseUrl, resilience: [throttle()], telemetry: { logger } }): one attempt, every signal on (the SDKs above, winston to /dev/null, Sentry with its cap, storm sampling)';

  return {
    logger,
    contenders: [
      {
        name: 'faultline client.json(), signals on',
        describe: SIGNALS,
        quick: true,
        send: (path) => json.json(path).then(() => {}, expectFailure),
        close: () => json.close(),
      },
      {
        name: 'faultline client.get(), signals on',
        describe: SIGNALS,
        send: (path) => get.get(path).then((res) => res.json().then(() => {}), expectFailure),
        close: () => get.close(),
      },
      floorContender(baseUrl),
      instrumentedUndiciContender(baseUrl, instrumented),
      ...handRolledContenders(baseUrl, instrumented, devNull()),
    ],
    async shutdown() {
      await Sentry.close(1000);
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
