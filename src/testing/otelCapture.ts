import { context, metrics, propagation, TraceFlags, trace, type TracerProvider } from '@opentelemetry/api';
import type { DataPoint, MetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The trace SDK, in either of its shapes: `@opentelemetry/sdk-trace` (SDK 3, and 2.9+ beside
 * sdk-trace-base) exports `TracerProvider`; `@opentelemetry/sdk-trace-base` (SDK 2) exports
 * `BasicTracerProvider`. Both take `{ spanProcessors }`.
 */
export interface TraceSdkLike {
  readonly TracerProvider?: new (options: { spanProcessors: SpanProcessor[] }) => ShutdownTracerProvider;
  readonly BasicTracerProvider?: new (options: { spanProcessors: SpanProcessor[] }) => ShutdownTracerProvider;
}

interface ShutdownTracerProvider extends TracerProvider {
  shutdown(): Promise<void>;
}

/** The OpenTelemetry SDK packages the capture is built from (optional peer dependencies). */
export interface OtelSdk {
  /** `@opentelemetry/sdk-trace` (SDK 3) or `@opentelemetry/sdk-trace-base` (SDK 2). */
  readonly traceBase: TraceSdkLike;
  readonly sdkMetrics: typeof import('@opentelemetry/sdk-metrics');
  readonly asyncHooks: typeof import('@opentelemetry/context-async-hooks');
  readonly core: Pick<typeof import('@opentelemetry/core'), 'W3CTraceContextPropagator'>;
}

/** In-memory span and metric readers of the real OpenTelemetry SDK. */
export interface OtelCapture {
  /** Finished spans, in the order they ended: a live array, emptied by `reset()`. */
  readonly spans: ReadableSpan[];
  /** For an app that has its own tracer provider: add this processor to it (`otel: 'manual'`). */
  readonly spanProcessor: SpanProcessor;
  /** For an app that has its own meter provider: add this reader to it (`otel: 'manual'`). */
  readonly metricReader: MetricReader;
  /** True when the capture registered itself as the global tracer and meter provider. */
  readonly registered: boolean;
  /** The spans finished so far (the same as `spans`). */
  finishedSpans(): ReadableSpan[];
  /** Collects every metric now, by instrument name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Forgets the spans finished so far. */
  reset(): void;
  /** Shuts the providers down and unregisters whatever the capture registered. */
  shutdown(): Promise<void>;
}

/** A name, not a literal: the bundler and tsc leave the optional SDK-3 package unresolved. */
const TRACE_SDK: string = '@opentelemetry/sdk-trace';

/**
 * Imports the SDK packages (OpenTelemetry JS SDK 2 or 3), saying which to install when one
 * is missing. The trace SDK is `@opentelemetry/sdk-trace` in SDK 3 (and, from 2.9, beside
 * `@opentelemetry/sdk-trace-base`, which SDK 3 no longer has): the first one found serves.
 */
export async function loadOtelSdk(): Promise<OtelSdk> {
  const load = async <T>(name: string, loader: () => Promise<T>): Promise<T> => {
    try {
      return await loader();
    } catch (error) {
      throw new Error(
        `faultline/testing: captureSignals() needs ${name} (an optional peer dependency): npm install --save-dev ${name}; or pass { otel: false }`,
        { cause: error },
      );
    }
  };
  const traceSdk = async (): Promise<TraceSdkLike> => {
    try {
      return (await import(TRACE_SDK)) as TraceSdkLike;
    } catch {
      return (await import('@opentelemetry/sdk-trace-base')) as TraceSdkLike;
    }
  };
  return {
    traceBase: await load('@opentelemetry/sdk-trace (SDK 3) or @opentelemetry/sdk-trace-base (SDK 2)', traceSdk),
    sdkMetrics: await load('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics')),
    asyncHooks: await load('@opentelemetry/context-async-hooks', () => import('@opentelemetry/context-async-hooks')),
    core: await load('@opentelemetry/core', () => import('@opentelemetry/core')),
  };
}

/**
 * Builds the in-memory span exporter and metric reader and, with `register`, installs them
 * as OpenTelemetry's global providers (with an AsyncLocalStorage context manager and the W3C
 * propagator unless the process has its own). It never replaces an app's tracer or meter
 * provider: when one is registered it throws and registers nothing; build with
 * `register: false` and add `spanProcessor` and `metricReader` to the app's own providers.
 */
export function installOtelCapture(sdk: OtelSdk, options: { readonly register: boolean }): OtelCapture {
  const { traceBase, sdkMetrics, asyncHooks, core } = sdk;
  const spans: ReadableSpan[] = [];
  // Our own processor rather than SimpleSpanProcessor: its constructor differs between
  // sdk-trace-base (an exporter) and sdk-trace (`{ exporter }`), and ours keeps spans in order.
  const spanProcessor: SpanProcessor = {
    onStart() {},
    onEnd(span) {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) spans.push(span);
    },
    async forceFlush() {},
    async shutdown() {},
  };
  const TracerProvider = traceBase.TracerProvider ?? traceBase.BasicTracerProvider;
  if (TracerProvider === undefined) throw new Error('faultline/testing: the trace SDK given has no TracerProvider');
  // A reader the capture collects from on demand: no interval, no export.
  class TestReader extends sdkMetrics.MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const metricReader = new TestReader();
  // A processor and a reader belong to one provider each: the capture's own, or the app's.
  const providers = options.register
    ? {
        tracer: new TracerProvider({ spanProcessors: [spanProcessor] }),
        meter: new sdkMetrics.MeterProvider({ readers: [metricReader] }),
      }
    : undefined;

  const undo: (() => void)[] = [];
  if (providers !== undefined) {
    const { tracer: tracerProvider, meter: meterProvider } = providers;
    if (!trace.setGlobalTracerProvider(tracerProvider)) throw alreadyRegistered('tracer');
    undo.push(() => trace.disable());
    if (!metrics.setGlobalMeterProvider(meterProvider)) {
      trace.disable();
      throw alreadyRegistered('meter');
    }
    undo.push(() => metrics.disable());
    // The app's own context manager and propagator, when it has them, serve as well as ours.
    const contextManager = new asyncHooks.AsyncLocalStorageContextManager().enable();
    if (context.setGlobalContextManager(contextManager)) undo.push(() => context.disable());
    else contextManager.disable();
    if (propagation.setGlobalPropagator(new core.W3CTraceContextPropagator())) undo.push(() => propagation.disable());
  }

  return {
    spans,
    spanProcessor,
    metricReader,
    registered: options.register,
    finishedSpans: () => spans,
    async collect() {
      const { resourceMetrics } = await metricReader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    reset() {
      spans.length = 0;
    },
    async shutdown() {
      if (providers !== undefined) {
        await providers.tracer.shutdown();
        await providers.meter.shutdown();
      } else await spanProcessor.shutdown();
      for (const step of undo.reverse()) step();
    },
  };
}

function alreadyRegistered(what: 'tracer' | 'meter'): Error {
  return new Error(
    `faultline/testing: an OpenTelemetry ${what} provider is already registered in this process (by the app, ` +
      `its instrumentation, or a capture not closed), and captureSignals() does not replace it. Close the other ` +
      `capture first, or call captureSignals({ otel: 'manual' }) and add signals.otel.spanProcessor and ` +
      `signals.otel.metricReader to your own providers.`,
  );
}

/** The data points of a metric whose attributes include `match`. */
export function pointsOf<T = number>(
  metric: MetricData | undefined,
  match: Readonly<Record<string, unknown>> = {},
): DataPoint<T>[] {
  if (metric === undefined) return [];
  return (metric.dataPoints as DataPoint<T>[]).filter((point) =>
    Object.entries(match).every(([key, value]) => point.attributes[key] === value),
  );
}
