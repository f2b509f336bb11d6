import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'winston';
import { useDefaultLogger } from '../signals/defaultLogger.js';
import { findSentry } from '../signals/sentry/sentryApi.js';
import { captureLogs, type LogLine } from './captureLogs.js';
import { installOtelCapture, loadOtelSdk, type OtelCapture } from './otelCapture.js';
import { type SentryEvent, type SentrySink, startSentrySink } from './sentrySink.js';

/** Options of {@link captureSignals}. */
export interface CaptureSignalsOptions {
  /**
   * `'global'`: register in-memory tracer and meter providers globally (refused with a clear
   * error when the process already has its own); `'manual'`: build them unregistered, for you
   * to add `otel.spanProcessor` and `otel.metricReader` to your providers; `false`: none.
   * @default 'global'
   */
  readonly otel?: 'global' | 'manual' | false;
  /**
   * Start the loopback Sentry sink (give its `sentry.dsn` to `Sentry.init`).
   * @default true
   */
  readonly sentry?: boolean;
  /**
   * Make the capture's logger the default of clients created without a `telemetry.logger` (until
   * `close()`); clients created before keep theirs.
   * @default true
   */
  readonly defaultLogger?: boolean;
  /** @default 'debug' */
  readonly logLevel?: string;
}

/** One data point of a metric, flattened for assertions. */
export interface MetricPoint {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** A counter's sum or a gauge's value; a histogram's count. */
  readonly value: number;
  /** A histogram's sum (e.g. seconds in total). */
  readonly sum?: number;
}

/** What {@link captureSignals} caught: plain arrays, filled as signals are told. */
export interface CapturedSignals {
  /** Finished OpenTelemetry spans (`ReadableSpan` of the real SDK). */
  readonly spans: ReadableSpan[];
  /** Metric data points as of the last `flush()` / `collectMetrics()`. */
  readonly metrics: MetricPoint[];
  /** Log lines as winston's JSON format wrote them, parsed. */
  readonly logs: LogLine[];
  /** Sentry events the real SDK sent to the sink, decoded (after `flush()`). */
  readonly events: SentryEvent[];
  /** The winston logger the lines come from: pass it as a client's `telemetry.logger`. */
  readonly logger: Logger;
  /** A winston transport to add to the app's own logger (its lines land in `logs`). */
  readonly logTransport: Logger['transports'][number];
  /** The loopback Sentry sink (its `dsn`), unless `sentry: false`. */
  readonly sentry: SentrySink | undefined;
  /** The OpenTelemetry capture, unless `otel: false`. */
  readonly otel: OtelCapture | undefined;
  /** Collects the metrics into `metrics` now, and returns them. */
  collectMetrics(): Promise<MetricPoint[]>;
  /** Flushes the app's Sentry (found in the process) into `events` and collects `metrics`. */
  flush(): Promise<void>;
  /** Empties every array (the metric instruments keep their totals). */
  reset(): void;
  /** Unregisters and closes everything the capture started. */
  close(): Promise<void>;
}

/**
 * Captures every signal faultline tells, in memory, for a test to assert on: spans and
 * metrics from the real OpenTelemetry SDK (optional peer dependencies
 * `@opentelemetry/sdk-trace` or `sdk-trace-base`, `sdk-metrics`, `context-async-hooks` and `core`, loaded
 * only here), winston log lines, and Sentry events from a loopback sink that decodes the
 * envelopes the real `@sentry/node` sends. Test code only: nothing here runs in production.
 *
 * @example
 * ```ts
 * import * as Sentry from '@sentry/node';
 * import { captureSignals, expectFailure, startFaultServer } from 'faultline/testing';
 *
 * const signals = await captureSignals();
 * Sentry.init({ dsn: signals.sentry?.dsn });
 * const upstream = await startFaultServer({ '/v1/rates': { status: 429, headers: { 'retry-after': '1' } } });
 * const payments = createClient({ name: 'payments', baseUrl: upstream.url, resilience: [] });
 * await payments.get('/v1/rates').catch(() => {});
 * await signals.flush();
 * expectFailure(signals.events, { kind: 'throttled', upstream: 'payments' });
 * await signals.close();
 * ```
 */
export async function captureSignals(options: CaptureSignalsOptions = {}): Promise<CapturedSignals> {
  const mode = options.otel ?? 'global';
  const otel = mode === false ? undefined : installOtelCapture(await loadOtelSdk(), { register: mode === 'global' });
  const sentry = options.sentry === false ? undefined : await startSentrySink();
  const logs = captureLogs(options.logLevel ?? 'debug');
  const installLogger = options.defaultLogger !== false;
  if (installLogger) useDefaultLogger(logs.logger);
  const metrics: MetricPoint[] = [];

  const collectMetrics = async (): Promise<MetricPoint[]> => {
    metrics.length = 0;
    if (otel !== undefined)
      for (const metric of (await otel.collect()).values()) metrics.push(...pointsOfMetric(metric));
    return metrics;
  };

  return {
    spans: otel?.spans ?? [],
    metrics,
    logs: logs.lines,
    events: sentry?.received ?? [],
    logger: logs.logger,
    logTransport: logs.transport,
    sentry,
    otel,
    collectMetrics,
    async flush() {
      await findSentry()?.flush(5000);
      await collectMetrics();
    },
    reset() {
      otel?.reset();
      sentry?.reset();
      logs.reset();
      metrics.length = 0;
    },
    async close() {
      if (installLogger) useDefaultLogger(undefined);
      await otel?.shutdown();
      await sentry?.close();
      logs.logger.close();
    },
  };
}

function pointsOfMetric(metric: MetricData): MetricPoint[] {
  const { name, unit } = metric.descriptor;
  return metric.dataPoints.map((point) => {
    const value = point.value as number | { count: number; sum?: number };
    return typeof value === 'number'
      ? { name, unit, attributes: point.attributes, value }
      : {
          name,
          unit,
          attributes: point.attributes,
          value: value.count,
          ...(value.sum === undefined ? {} : { sum: value.sum }),
        };
  });
}
