import type { Logger } from 'winston';
import { readEnvConfig } from '../config/envConfig.js';
import { useDefaultLogger } from '../signals/defaultLogger.js';
import { createLogger } from '../signals/logs/createLogger.js';
import { otelApi } from '../signals/otelApi.js';
import { findSentry, type SentryApi, useSentry } from '../signals/sentry/sentryApi.js';

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Environment to read `FAULTLINE_*`, `SENTRY_*` and `LOG_LEVEL` from. (The OpenTelemetry
   * SDK reads `OTEL_*` from `process.env` itself.)
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Use this logger for every client instead of building one from the environment. */
  readonly logger?: Logger;
  /** Extra options for `Sentry.init` when faultline starts Sentry (e.g. `tracesSampleRate`). */
  readonly sentryOptions?: Readonly<Record<string, unknown>>;
  /**
   * The longest `shutdown()` waits for signals to flush.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

/** What {@link init} set up, and the way to flush it. */
export interface FaultlineRuntime {
  /** The logger every client without its own uses. */
  readonly logger: Logger;
  /** True where init started the SDK itself (false when absent or already running). */
  readonly started: { readonly sentry: boolean; readonly openTelemetry: boolean };
  /** True where the application had already set the SDK up; faultline uses it as it is. */
  readonly found: { readonly sentry: boolean; readonly openTelemetry: boolean };
  /** Flushes every signal (Sentry, spans, metrics, logs) within `shutdownTimeoutMs`. Idempotent. */
  shutdown(): Promise<void>;
}

interface NodeSdkLike {
  start(): void;
  shutdown(): Promise<void>;
}

/** The variables that choose OpenTelemetry exporters; `none` (alone) chooses none. */
const OTEL_EXPORTER_CHOICES = ['OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER'] as const;
const OTEL_WANTED = /^OTEL_EXPORTER_OTLP_/;

/**
 * True when the environment asks for exporters: an exporter variable naming one other than
 * `none`, or an `OTEL_EXPORTER_OTLP_*` endpoint, header or protocol (unless every signal's
 * exporter is `none`). `OTEL_SERVICE_NAME` alone only names the service: starting the
 * NodeSDK for it would export to localhost:4318, which nobody asked for.
 */
function wantsOpenTelemetry(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  const choices = OTEL_EXPORTER_CHOICES.map((name) => (env[name] ?? '').trim().toLowerCase());
  const names = (choice: string): string[] =>
    choice
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  if (choices.some((choice) => names(choice).some((exporter) => exporter !== 'none'))) return true;
  const allNone = choices.every((choice) => names(choice).length > 0);
  return !allNone && Object.keys(env).some((key) => OTEL_WANTED.test(key) && (env[key] ?? '').trim() !== '');
}

/**
 * Sets up what the environment asks for, the way production would: Sentry when
 * `SENTRY_DSN` is set (with `openTelemetryIntegration`, so events carry the active
 * span's trace), OpenTelemetry's NodeSDK when `OTEL_*` variables ask for exporters, and
 * the winston logger from `FAULTLINE_LOG_*` / `LOG_LEVEL`. What the application already
 * set up is used, never started twice. The heavy SDKs are imported here, not by
 * `import 'faultline'`.
 *
 * @throws {ConfigError} for an invalid `FAULTLINE_*` variable.
 * @example
 * ```ts
 * const faultline = await init();
 * process.on('SIGTERM', () => faultline.shutdown().then(() => process.exit(0)));
 * ```
 */
export async function init(options: InitOptions = {}): Promise<FaultlineRuntime> {
  const env = options.env ?? process.env;
  const config = readEnvConfig(env);
  const serviceName = env['OTEL_SERVICE_NAME'];
  const logger =
    options.logger ??
    createLogger(serviceName === undefined ? {} : { defaultMeta: { 'service.name': serviceName } }, config);
  useDefaultLogger(logger);

  const openTelemetryFound = hasOpenTelemetry();
  let sdk: NodeSdkLike | undefined;
  if (wantsOpenTelemetry(env) && !openTelemetryFound) {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    sdk = new NodeSDK({ instrumentations: [] }) as NodeSdkLike;
    sdk.start();
  }

  let sentry: SentryApi | undefined = findSentry();
  const sentryFound = sentry !== undefined;
  let closeSentry: ((timeoutMs: number) => PromiseLike<boolean>) | undefined;
  const dsn = env['SENTRY_DSN'];
  if (!sentryFound && dsn !== undefined && dsn !== '') {
    const Sentry = await import('@sentry/node');
    Sentry.init({
      dsn,
      ...(env['SENTRY_ENVIRONMENT'] === undefined ? {} : { environment: env['SENTRY_ENVIRONMENT'] }),
      ...(env['SENTRY_RELEASE'] === undefined ? {} : { release: env['SENTRY_RELEASE'] }),
      integrations: [Sentry.openTelemetryIntegration()],
      ...options.sentryOptions,
    });
    sentry = findSentry();
    closeSentry = (ms) => Sentry.close(ms);
  }
  const sentryStarted = closeSentry !== undefined;
  useSentry(sentry);

  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  let shuttingDown: Promise<void> | undefined;
  return {
    logger,
    started: { sentry: sentryStarted, openTelemetry: sdk !== undefined },
    found: { sentry: sentryFound, openTelemetry: openTelemetryFound },
    shutdown() {
      shuttingDown ??= shutdownAll(
        timeoutMs,
        sentry,
        closeSentry,
        sdk,
        options.logger === undefined ? logger : undefined,
      );
      return shuttingDown;
    },
  };
}

async function shutdownAll(
  timeoutMs: number,
  sentry: SentryApi | undefined,
  closeSentry: ((timeoutMs: number) => PromiseLike<boolean>) | undefined,
  sdk: NodeSdkLike | undefined,
  ownLogger: Logger | undefined,
): Promise<void> {
  const tasks: Promise<unknown>[] = [];
  // Ours to close; the application's only to flush.
  if (closeSentry !== undefined) tasks.push(Promise.resolve(closeSentry(timeoutMs)));
  else if (sentry !== undefined) tasks.push(Promise.resolve(sentry.flush(timeoutMs)));
  if (sdk !== undefined) tasks.push(sdk.shutdown());
  if (ownLogger !== undefined) {
    tasks.push(
      new Promise<void>((resolve) => {
        ownLogger.once('finish', () => resolve());
        ownLogger.end();
      }),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([Promise.allSettled(tasks), bound]);
  clearTimeout(timer);
}

/** True when the application registered a tracer or meter provider of its own. */
export function hasOpenTelemetry(): boolean {
  const api = otelApi();
  const tracerProvider = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = tracerProvider.getDelegate?.() ?? tracerProvider;
  const meterProvider = api.metrics.getMeterProvider();
  return delegate.constructor.name !== 'NoopTracerProvider' || meterProvider.constructor.name !== 'NoopMeterProvider';
}
