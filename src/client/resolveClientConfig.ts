import { checkClientOptions } from '../config/checkClientOptions.js';
import { type EnvConfig, readEnvConfig } from '../config/envConfig.js';
import { systemClock } from '../core/clock.js';
import { DEFAULTS, settle } from '../core/defaults.js';
import { createDiagnostics, type Diagnostics } from '../core/diagnostics.js';
import { withoutUndefined } from '../core/withoutUndefined.js';
import { ConfigError } from '../errors/ConfigError.js';
import { guardAuth } from '../guarded/guardAuth.js';
import { guardClock } from '../guarded/guardClock.js';
import { guardHedge } from '../guarded/guardHedge.js';
import { type GuardedFallback, guardFallback } from '../guarded/guardFallback.js';
import { guardStrategy } from '../guarded/guardStrategy.js';
import { lowerCaseHeaders } from '../pipeline/lowerCaseHeaders.js';
import type { PipelineConfig } from '../pipeline/PipelineConfig.js';
import { targetOf } from '../pipeline/resolveTarget.js';
import { exponentialBackoff } from '../policies/exponentialBackoff.js';
import { fallbackPolicy } from '../policies/fallbackPolicy.js';
import { shareStates } from '../policies/sharing.js';
import { strategyChain } from '../policies/strategyChain.js';
import { throttleGate, throttleKey } from '../policies/throttleGate.js';
import type { FleetCap } from '../shared/sharedCap.js';
import { internalsOf } from '../shared/sharedState.js';
import { sharedStateFor } from '../shared/sharedStateFor.js';
import type { SharedState } from '../types/shared.js';
import { createRedactor } from '../redaction/Redactor.js';
import { defaultLogger } from '../signals/defaultLogger.js';
import { logWriterFor } from '../signals/logs/logWriter.js';
import { createUndiciTransport } from '../transport/undiciTransport.js';
import type { ClientOptions } from '../types/client.js';
import type { FaultlineLogger } from '../types/logger.js';
import type { RetryStrategy } from '../types/strategies.js';
import type { Fallback } from '../types/fallback.js';

/** Everything a client needs, resolved once when it is created; the observers come next. */
export interface ClientConfig extends Omit<PipelineConfig, 'fanout'> {
  /** The strategy as the user gave it (its breakers report their state to the metrics). */
  readonly strategy: RetryStrategy;
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
  const timeoutMs = settle(options.timeoutMs, env.timeoutMs, DEFAULTS.timeoutMs);
  const attemptTimeoutMs = settle(options.attemptTimeoutMs, env.attemptTimeoutMs, DEFAULTS.attemptTimeoutMs);
  const maxRedirects = settle(options.maxRedirects, undefined, DEFAULTS.maxRedirects);
  const baseHeaders = lowerCaseHeaders(options.headers);
  if (base?.authorization !== undefined && baseHeaders['authorization'] === undefined) {
    baseHeaders['authorization'] = base.authorization;
  }
  const name = options.name ?? base?.url.hostname ?? 'http';
  if (name.trim() === '') throw new ConfigError('name', name, 'is empty', 'a non-empty upstream name');
  const logger = options.logger ?? defaultLogger(env);
  const redactor = createRedactor({
    headers: options.redactHeaders ?? env.redactHeaders ?? [],
    query: options.redactQuery ?? env.redactQuery ?? [],
  });
  // Told at warn through the same writer as the log lines, whichever logger it is.
  const log = logWriterFor(logger, env.logLevel);
  const diagnostics = createDiagnostics((message, meta) => log.write('warn', message, meta), Date.now, redactor.text);
  const strategy =
    options.retry ??
    exponentialBackoff(
      withoutUndefined({
        maxAttempts: env.retryMaxAttempts,
        baseDelayMs: env.retryBaseDelayMs,
        maxDelayMs: env.retryMaxDelayMs,
        maxRetryAfterMs: env.retryMaxRetryAfterMs,
      }),
    );
  const fromEnv =
    options.shared === undefined && (env.redisUrl !== undefined || env.redisClusterNodes !== undefined)
      ? sharedStateFor(
          withoutUndefined({ url: env.redisUrl, clusterNodes: env.redisClusterNodes, tls: env.redisTls }),
          env.redisPrefix,
        )
      : undefined;
  const fleet = sharedStateOf(options.shared, fromEnv?.shared);
  fleet?.reportTo(diagnostics);
  if (fleet !== undefined) shareStates(strategyChain(strategy), (request) => fleet.store(request));
  // Asking once makes a shared gate watch this upstream's routes before the first call.
  fleet?.throttleStore.get(throttleKey(name, ''));
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
    maxJsonBytes: settle(options.maxJsonBytes, undefined, DEFAULTS.maxJsonBytes),
    strategy,
    retry: guardStrategy(strategy, diagnostics),
    hedge: options.hedge === undefined ? undefined : guardHedge(options.hedge, diagnostics),
    auth: options.auth === undefined ? undefined : guardAuth(options.auth, diagnostics),
    fallback: guardedFallbackOf(options.fallback, diagnostics),
    // Every wait of the client passes through this clock: the one place delays are clamped.
    clock: guardClock(options.clock ?? systemClock, diagnostics),
    transport: createUndiciTransport({
      connectTimeoutMs: attemptTimeoutMs,
      dispatcher: options.dispatcher,
      proxy: env.proxySettings,
    }),
    redactor,
    diagnostics,
    logger,
    env,
    throttle: throttleGate(fleet?.throttleStore),
    fleetCap: fleet?.cap,
    sharedHealthy: fleet?.healthy,
    releaseShared: fromEnv?.release,
  };
}

/** The client's `fallback` option, checked and guarded once; undefined for none. */
function guardedFallbackOf(option: Fallback | undefined, diagnostics: Diagnostics): GuardedFallback | undefined {
  const policy = option === undefined ? undefined : fallbackPolicy(option);
  return policy === undefined ? undefined : guardFallback(policy, diagnostics);
}

/** The client's `shared` option, else `FAULTLINE_REDIS_URL`'s one shared state per process. */
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
