import { checkClientOptions } from '../config/checkClientOptions.js';
import { type EnvConfig, readEnvConfig } from '../config/envConfig.js';
import { systemClock } from '../core/clock.js';
import { DEFAULTS, settle } from '../core/defaults.js';
import { createDiagnostics } from '../core/diagnostics.js';
import { withoutUndefined } from '../core/withoutUndefined.js';
import { ConfigError } from '../errors/ConfigError.js';
import { guardAuth } from '../auth/guardAuth.js';
import { guardClock } from '../core/guardClock.js';
import { lowerCaseHeaders } from '../pipeline/lowerCaseHeaders.js';
import type { PipelineConfig } from '../pipeline/PipelineConfig.js';
import { targetOf } from '../pipeline/resolveTarget.js';
import type { CircuitInfo, LimiterInfo } from '../types/policy.js';
import { defaultResilience } from '../config/defaultResilience.js';
import type { FleetCap } from '../shared/sharedCap.js';
import { internalsOf } from '../shared/sharedState.js';
import { resilienceBuilder } from './resilienceBuilder.js';
import { sharedStateFor } from '../shared/sharedStateFor.js';
import type { SharedState } from '../types/shared.js';
import { createRedactor } from '../redaction/Redactor.js';
import { defaultLogger } from '../signals/defaultLogger.js';
import { logWriterFor } from '../signals/logs/logWriter.js';
import { createUndiciTransport } from '../transport/undiciTransport.js';
import type { ClientOptions } from '../types/client.js';
import type { FaultlineLogger } from '../types/logger.js';

/** Everything a client needs, resolved once when it is created; the observers come next. */
export interface ClientConfig extends Omit<PipelineConfig, 'fanout'> {
  /** The circuits of the client's breakers, as the `faultline.circuit.state` gauge reads them. */
  readonly circuits: ReadonlyMap<string, CircuitInfo>;
  /** The limiters of the client's adaptiveConcurrency policies, as the `faultline.concurrency.*` gauges read them. */
  readonly limiters: ReadonlyMap<string, LimiterInfo>;
  readonly logger: FaultlineLogger;
  readonly env: EnvConfig;
  /** The fleet's share of the Sentry cap, when replicas share state. */
  readonly fleetCap: FleetCap | undefined;
  /** Whether the client's shared state reaches Redis; undefined without shared state. */
  readonly sharedHealthy: (() => boolean) | undefined;
  /** Lets go of the shared state made from `FAULTLINE_REDIS_URL` (the last client closes it). */
  readonly releaseShared: (() => Promise<void>) | undefined;
}

/**
 * Merges explicit options over the environment over the defaults, and validates the
 * result. Runs once per client, never per request.
 *
 * @throws {ConfigError} for an invalid option or environment variable.
 */
export function resolveClientConfig(given: ClientOptions): ClientConfig {
  // Every option checked before anything is built (no connection, no logger), read once.
  const options = checkClientOptions(given);
  const env = readEnvConfig(options.env ?? process.env);
  const base = options.baseUrl === undefined ? undefined : parseBaseUrl(options.baseUrl);
  const timeoutMs = settle(options.timeout?.totalMs, env.timeoutMs, DEFAULTS.timeoutMs);
  const attemptTimeoutMs = settle(options.timeout?.attemptMs, env.attemptTimeoutMs, DEFAULTS.attemptTimeoutMs);
  const maxRedirects = settle(options.transport?.maxRedirects, undefined, DEFAULTS.maxRedirects);
  const baseHeaders = lowerCaseHeaders(options.headers);
  if (base?.authorization !== undefined && baseHeaders['authorization'] === undefined) {
    baseHeaders['authorization'] = base.authorization;
  }
  const name = options.name ?? base?.url.hostname ?? 'http';
  if (name.trim() === '') throw new ConfigError('name', name, 'is empty', 'a non-empty upstream name');
  const logger = options.telemetry?.logger ?? defaultLogger(env);
  const redactor = createRedactor({
    headers: options.redact?.headers ?? env.redactHeaders ?? [],
    query: options.redact?.query ?? env.redactQuery ?? [],
  });
  // Told at warn through the same writer as the log lines, whichever logger it is.
  const log = logWriterFor(logger, env.logLevel);
  const diagnostics = createDiagnostics((message, meta) => log.write('warn', message, meta), Date.now, redactor.text);
  const fromEnv =
    options.shared === undefined && (env.redisUrl !== undefined || env.redisClusterNodes !== undefined)
      ? sharedStateFor(
          withoutUndefined({ url: env.redisUrl, clusterNodes: env.redisClusterNodes, tls: env.redisTls }),
          env.redisPrefix,
        )
      : undefined;
  const fleet = sharedStateOf(options.shared, fromEnv?.shared);
  fleet?.reportTo(diagnostics);
  // Every wait of the client passes through this clock: the one place delays are clamped.
  const clock = guardClock(options.clock ?? systemClock, diagnostics);
  const circuits = new Map<string, CircuitInfo>();
  const limiters = new Map<string, LimiterInfo>();
  const resilienceFor = resilienceBuilder({
    upstream: name,
    clock,
    diagnostics,
    ...(fleet === undefined ? {} : { fleetStore: fleet.store }),
    circuitState: (circuit) => circuits.set(circuit.key, circuit),
    limiterState: (limiter) => limiters.set(limiter.key, limiter),
  });
  return {
    name,
    baseOrigin: base?.url.origin,
    basePath: base === undefined ? '' : base.url.pathname.replace(/\/+$/, ''),
    baseHostname: base === undefined ? '' : base.url.hostname.replace(/^\[|\]$/g, ''),
    basePort:
      base === undefined
        ? 0
        : base.url.port === ''
          ? base.url.protocol === 'https:'
            ? 443
            : 80
          : Number(base.url.port),
    baseHeaders,
    timeoutMs,
    attemptTimeoutMs,
    maxRedirects,
    maxJsonBytes: settle(options.transport?.maxJsonBytes, undefined, DEFAULTS.maxJsonBytes),
    resilience: resilienceFor(options.resilience ?? defaultResilience(env)),
    resilienceFor,
    circuits,
    limiters,
    auth: options.auth === undefined ? undefined : guardAuth(options.auth, diagnostics),
    clock,
    transport: createUndiciTransport({
      connectTimeoutMs: attemptTimeoutMs,
      dispatcher: options.transport?.dispatcher,
      proxy: env.proxySettings,
    }),
    redactor,
    diagnostics,
    logger,
    env,
    fleetCap: fleet?.cap,
    sharedHealthy: fleet?.healthy,
    releaseShared: fromEnv?.release,
  };
}

/** The client's `fallback` option, checked and guarded once; undefined for none. */
function sharedStateOf(option: SharedState | false | undefined, fromEnv: SharedState | undefined) {
  if (option === false) return undefined;
  if (option !== undefined) {
    const fleet = internalsOf(option);
    if (fleet === undefined)
      throw new ConfigError('shared', typeof option, 'is not a shared state', 'what sharedState() returns, or false');
    return fleet;
  }
  return fromEnv === undefined ? undefined : internalsOf(fromEnv);
}

function parseBaseUrl(baseUrl: string | URL): { url: URL; authorization?: string | undefined } {
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new ConfigError(
      'baseUrl',
      String(baseUrl),
      'is not an absolute URL',
      'an http: or https: URL such as https://api.example.com',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('baseUrl', url.protocol, 'has an unsupported protocol', 'http: or https:');
  }
  // The one URL parser: it also takes userinfo out as Basic credentials.
  return { url, authorization: targetOf(url).authorization };
}
