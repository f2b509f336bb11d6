import type { Logger } from 'winston';
import type { FaultlineLogger } from '../types/logger.js';
import { readEnvConfig } from '../config/envConfig.js';
import { callsInFlight } from '../core/callsInFlight.js';
import { useDefaultLogger } from '../signals/defaultLogger.js';
import { createLogger } from '../signals/logs/createLogger.js';
import { otelApi } from '../signals/otelApi.js';
import { findSentry, type SentryApi, useSentry } from '../signals/sentry/sentryApi.js';
import { assertSentrySupported, sentryVersionOf } from '../signals/sentry/sentryMajor.js';
import { drainAndFlush } from './drainAndFlush.js';

/** Options of {@link init}. */
export interface InitOptions<L extends FaultlineLogger = Logger> {
  /**
   * Environment to read `FAULTLINE_*`, `SENTRY_*` and `LOG_LEVEL` from. (The OpenTelemetry
   * SDK reads `OTEL_*` from `process.env` itself.)
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Use this logger (winston, pino or console, as it is) for every client instead of
   * building one from the environment.
   * @default winston, JSON lines on stdout, from `FAULTLINE_LOG_*` / `LOG_LEVEL`
   */
  readonly logger?: L;
  /** Extra options for `Sentry.init` when faultline starts Sentry (e.g. `tracesSampleRate`). */
  readonly sentryOptions?: Readonly<Record<string, unknown>>;
  /**
   * The longest `shutdown()` waits for calls in flight to end, and then, again, the longest
   * it waits for signals to flush: it resolves within twice this.
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

/** What {@link init} set up, and the way to flush it. */
export interface FaultlineRuntime<L extends FaultlineLogger = Logger> {
  /** The logger every client without its own uses: the one given, else the winston one built. */
  readonly logger: L;
  /**
   * True where init started the SDK itself (false when absent or already running). Sentry
   * is started one event-loop turn after init() resolves, so that an app setting up its
   * own right after keeps it: `sentry` turns false then, and faultline uses the app's.
   */
  readonly started: { readonly sentry: boolean; readonly openTelemetry: boolean };
  /** True where the application had already set the SDK up; faultline uses it as it is. */
  readonly found: { readonly sentry: boolean; readonly openTelemetry: boolean };
  /**
   * Drains, then flushes. From its first call, every call any client of this process makes
   * is refused unsent: a `CancelledError` with code `SHUTTING_DOWN` (kind `cancelled`: the
   * process ended it, not the upstream, so it is never retried, reported to Sentry or
   * counted against the upstream's health, and no signal tells it — they are being
   * flushed). Calls already in flight go on: it waits until they have ended (each by its
   * own deadline), for at most `shutdownTimeoutMs`. Then, within `shutdownTimeoutMs` more,
   * it flushes spans, metrics, log lines and Sentry, in that order: it flushes the
   * application's own tracer and meter providers and Sentry, and shuts down or closes what
   * init started (the NodeSDK, Sentry, the logger it built — left open if a call is still in
   * flight, so that call's lines are not written after the end). Finally it closes the
   * Redis connections `FAULTLINE_REDIS_URL` made. Idempotent; never rejects. A later
   * `init()` lets calls through again.
   */
  shutdown(): Promise<void>;
}

/** True while an init()'s Sentry waits for its turn to start (see `init`). */
let sentryStarting = false;

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
  const exportersIn = (choice: string): string[] =>
    choice
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  if (choices.some((choice) => exportersIn(choice).some((exporter) => exporter !== 'none'))) return true;
  const allNone = choices.every((choice) => exportersIn(choice).length > 0);
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
export async function init<L extends FaultlineLogger = Logger>(
  options: InitOptions<L> = {},
): Promise<FaultlineRuntime<L>> {
  const env = options.env ?? process.env;
  const config = readEnvConfig(env);
  const serviceName = env['OTEL_SERVICE_NAME'];
  const ownLogger =
    options.logger === undefined
      ? createLogger(serviceName === undefined ? {} : { defaultMeta: { 'service.name': serviceName } }, config)
      : undefined;
  // L is winston's Logger whenever no logger is given (nothing to infer it from).
  const logger = options.logger ?? (ownLogger as unknown as L);
  useDefaultLogger(logger);

  const openTelemetryFound = hasOpenTelemetry();
  let sdk: NodeSdkLike | undefined;
  if (wantsOpenTelemetry(env) && !openTelemetryFound) {
    // The same NodeSDK in SDK 2 (sdk-node 0.2xx) and SDK 3 (0.30x, Node >= 22.15).
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    sdk = new NodeSDK({ instrumentations: [] }) as NodeSdkLike;
    sdk.start();
  }

  let sentry: SentryApi | undefined = findSentry();
  if (sentry !== undefined) assertSentrySupported(sentryVersionOf(sentry.getClient()), 'found');
  // An earlier init()'s Sentry, about to start, counts as found.
  const sentryFound = sentry !== undefined || sentryStarting;
  let closeSentry: ((timeoutMs: number) => PromiseLike<boolean>) | undefined;
  let sentryStarted = false;
  let pendingSentry: NodeJS.Immediate | undefined;
  const dsn = env['SENTRY_DSN'];
  if (!sentryFound && dsn !== undefined && dsn !== '') {
    const Sentry = await import('@sentry/node');
    assertSentrySupported(Sentry.SDK_VERSION, 'imported');
    sentryStarted = true;
    sentryStarting = true;
    // Started a turn later, not now: an app that sets up its own Sentry right after init()
    // (`await init(); Sentry.init(…)`, or in a module loaded next) keeps its client, with
    // no "init() was called more than once" warning and no client of faultline's beside it.
    pendingSentry = setImmediate(() => {
      pendingSentry = undefined;
      sentryStarting = false;
      sentry = findSentry();
      if (sentry !== undefined) {
        sentryStarted = false;
        return;
      }
      Sentry.init({
        dsn,
        ...(env['SENTRY_ENVIRONMENT'] === undefined ? {} : { environment: env['SENTRY_ENVIRONMENT'] }),
        ...(env['SENTRY_RELEASE'] === undefined ? {} : { release: env['SENTRY_RELEASE'] }),
        integrations: [Sentry.openTelemetryIntegration()],
        ...options.sentryOptions,
      });
      sentry = findSentry();
      closeSentry = (ms) => Sentry.close(ms);
      useSentry(sentry);
    });
  }
  useSentry(sentry);

  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  // A new runtime after an earlier one's shutdown(): calls are let through again.
  callsInFlight.open();
  let shuttingDown: Promise<void> | undefined;
  return {
    logger,
    started: {
      // True from the start when faultline is to start Sentry; false again if the app did first.
      get sentry() {
        return sentryStarted;
      },
      openTelemetry: sdk !== undefined,
    },
    found: { sentry: sentryFound, openTelemetry: openTelemetryFound },
    shutdown() {
      if (pendingSentry !== undefined) {
        clearImmediate(pendingSentry);
        pendingSentry = undefined;
        sentryStarting = false;
        sentryStarted = false;
      }
      shuttingDown ??= drainAndFlush({
        timeoutMs,
        sentry,
        closeSentry,
        sdk,
        ownLogger,
      });
      return shuttingDown;
    },
  };
}

/** True when the application registered a tracer or meter provider of its own. */
export function hasOpenTelemetry(): boolean {
  const api = otelApi();
  const tracerProvider = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = tracerProvider.getDelegate?.() ?? tracerProvider;
  const meterProvider = api.metrics.getMeterProvider();
  return delegate.constructor.name !== 'NoopTracerProvider' || meterProvider.constructor.name !== 'NoopMeterProvider';
}
