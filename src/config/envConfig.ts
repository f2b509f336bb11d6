import { FAILURE_KINDS, isFailureKind } from '../core/failureKinds.js';
import { MAX_TIMER_MS } from '../core/timerCeiling.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { FailureKind } from '../types/failure.js';
import { type Env, envValue } from './envValue.js';
import { type ProxySettings, readProxySettings } from './proxySettings.js';
import { readClusterNodes, readRedisTls, readRedisUrl, type RedisNode, type RedisTlsFiles } from './redisSettings.js';
import {
  type LatencyObjective,
  readSloLatency,
  readSloObjective,
  readSloObjectives,
  type UpstreamObjective,
} from './sloSettings.js';

/** The winston levels faultline accepts (npm levels). */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** faultline's settings as read from the environment; absent variables are absent here. */
export interface EnvConfig {
  readonly timeoutMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly retryMaxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  readonly retryMaxRetryAfterMs?: number;
  readonly reportKinds?: readonly FailureKind[];
  readonly reportCapPerMinute?: number;
  readonly redactHeaders?: readonly string[];
  readonly redactQuery?: readonly string[];
  readonly logLevel?: LogLevel;
  readonly logFormat?: 'json' | 'pretty';
  /** `FAULTLINE_LOG_SAMPLE_INITIAL`: 0 turns log sampling off. */
  readonly logSampleInitial?: number;
  readonly logSampleThereafter?: number;
  /** `FAULTLINE_PROXY`: false to ignore the proxy variables. */
  readonly proxy?: boolean;
  /** `FAULTLINE_REDIS_URL`: replicas share protective state through this Redis. */
  readonly redisUrl?: string;
  /** `FAULTLINE_REDIS_PREFIX`: the prefix of every key faultline writes there. */
  readonly redisPrefix?: string;
  /** `FAULTLINE_REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster (scheme and credentials from the URL). */
  readonly redisClusterNodes?: readonly RedisNode[];
  /** The PEM files named by `FAULTLINE_REDIS_TLS_CA` / `_CERT` / `_KEY`, read once. */
  readonly redisTls?: RedisTlsFiles;
  /** From `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`; absent when none is set or `FAULTLINE_PROXY` is off. */
  readonly proxySettings?: ProxySettings;
  /** `FAULTLINE_SLO_OBJECTIVE`: the availability objective of every upstream without its own (`faultline slo`). */
  readonly sloObjective?: number;
  /** `FAULTLINE_SLO_OBJECTIVES`: per-upstream objectives, over `sloObjective`. */
  readonly sloObjectives?: readonly UpstreamObjective[];
  /** `FAULTLINE_SLO_LATENCY`: a latency objective of every upstream (`faultline slo`). */
  readonly sloLatency?: LatencyObjective;
}

/** Every variable faultline reads of its own, with what it accepts (for docs and `faultline check`). */
export const FAULTLINE_VARIABLES = {
  FAULTLINE_TIMEOUT_MS: 'whole milliseconds for a whole call, 0 disables (default 30000)',
  FAULTLINE_ATTEMPT_TIMEOUT_MS: 'whole milliseconds for each attempt, 0 disables (default 10000)',
  FAULTLINE_RETRY_MAX_ATTEMPTS: 'attempts per call including the first, 1 to 100 (default 3)',
  FAULTLINE_RETRY_BASE_DELAY_MS: 'first backoff delay in ms (default 200)',
  FAULTLINE_RETRY_MAX_DELAY_MS: 'largest backoff delay in ms (default 10000)',
  FAULTLINE_RETRY_MAX_RETRY_AFTER_MS: 'longest Retry-After honoured, in ms (default 60000)',
  FAULTLINE_REPORT_KINDS:
    'comma list of failure kinds sent to Sentry (default all but client, cancelled, circuit_open, load_shed)',
  FAULTLINE_REPORT_CAP_PER_MINUTE: 'Sentry events per fingerprint per minute, 0 for none (default 10)',
  FAULTLINE_REDACT_HEADERS: 'comma list of extra header names to redact',
  FAULTLINE_REDACT_QUERY: 'comma list of extra query parameter names to redact',
  FAULTLINE_LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')} (default LOG_LEVEL, else info)`,
  FAULTLINE_LOG_FORMAT: 'json or pretty (default json)',
  FAULTLINE_LOG_SAMPLE_INITIAL:
    'failure log lines per fingerprint per second written before sampling, 0 turns sampling off (default 100)',
  FAULTLINE_LOG_SAMPLE_THEREAFTER: 'then one line in this many per fingerprint per second, 0 for none (default 100)',
  FAULTLINE_PROXY: 'on or off (or true/false): honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY (default on)',
  FAULTLINE_REDIS_URL:
    'redis:// or rediss:// URL with user:password@ if any: replicas share throttle, retry budget, circuits and Sentry cap',
  FAULTLINE_REDIS_CLUSTER_NODES:
    'comma list of host:port seed nodes of a Redis Cluster (scheme and credentials from FAULTLINE_REDIS_URL)',
  FAULTLINE_REDIS_TLS_CA: 'PEM file of CA certificates trusted for the rediss:// server, besides the public CAs',
  FAULTLINE_REDIS_TLS_CERT: 'PEM file of the client certificate for rediss:// (with FAULTLINE_REDIS_TLS_KEY)',
  FAULTLINE_REDIS_TLS_KEY: 'PEM file of the client certificate’s private key, not encrypted',
  FAULTLINE_REDIS_PREFIX: 'prefix of the Redis keys, up to 64 characters without spaces (default faultline:)',
  FAULTLINE_SLO_OBJECTIVE:
    'availability objective of every upstream for `faultline slo`, 0.999 or 99.9%, or off (default off)',
  FAULTLINE_SLO_OBJECTIVES: 'comma list of upstream=objective overriding FAULTLINE_SLO_OBJECTIVE per upstream',
  FAULTLINE_SLO_LATENCY:
    'latency objective of every upstream for `faultline slo`, threshold:objective, e.g. 250ms:0.99 (default off)',
} as const;

/** The largest value of either log sampling variable: a million lines a second is no sampling at all. */
export const MAX_LOG_SAMPLE = 1_000_000;

/** The settings read, and a `ConfigError` for every variable whose value is wrong. */
export interface EnvConfigResult {
  readonly config: EnvConfig;
  /** One per wrong variable, in the order of {@link FAULTLINE_VARIABLES}; empty when all are valid. */
  readonly problems: readonly ConfigError[];
}

/**
 * Reads and validates every `FAULTLINE_*` variable (and `LOG_LEVEL`, and the proxy
 * variables `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` unless `FAULTLINE_PROXY` is off).
 *
 * @throws {ConfigError} naming the first variable whose value is wrong; its message lists
 * every other wrong one, and `others` holds them.
 */
export function readEnvConfig(env: Env = process.env): EnvConfig {
  const { config, problems } = checkEnvConfig(env);
  const [first, ...others] = problems;
  if (first === undefined) return config;
  if (others.length === 0) throw first;
  // The value the first error holds, not the raw variable: a reader may have masked a secret.
  throw new ConfigError(first.variable, first.value, first.problem, first.accepted, others);
}

/**
 * Reads every `FAULTLINE_*` variable (and `LOG_LEVEL`) and collects what is wrong instead
 * of stopping at the first: what `faultline check` reports. Never throws.
 */
export function checkEnvConfig(env: Env = process.env): EnvConfigResult {
  const problems: ConfigError[] = [];
  const config: { -readonly [K in keyof EnvConfig]: EnvConfig[K] } = {};
  const set = <K extends keyof EnvConfig>(key: K, read: () => EnvConfig[K] | undefined): void => {
    try {
      const value = read();
      if (value !== undefined) config[key] = value;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  };
  set('timeoutMs', () => readInteger(env, 'FAULTLINE_TIMEOUT_MS', 0, MAX_TIMER_MS));
  set('attemptTimeoutMs', () => readInteger(env, 'FAULTLINE_ATTEMPT_TIMEOUT_MS', 0, MAX_TIMER_MS));
  set('retryMaxAttempts', () => readInteger(env, 'FAULTLINE_RETRY_MAX_ATTEMPTS', 1, 100));
  set('retryBaseDelayMs', () => readInteger(env, 'FAULTLINE_RETRY_BASE_DELAY_MS', 0, MAX_TIMER_MS));
  set('retryMaxDelayMs', () => readInteger(env, 'FAULTLINE_RETRY_MAX_DELAY_MS', 0, MAX_TIMER_MS));
  set('retryMaxRetryAfterMs', () => readInteger(env, 'FAULTLINE_RETRY_MAX_RETRY_AFTER_MS', 0, MAX_TIMER_MS));
  set('reportKinds', () => readKinds(env, 'FAULTLINE_REPORT_KINDS'));
  set('reportCapPerMinute', () => readInteger(env, 'FAULTLINE_REPORT_CAP_PER_MINUTE', 0, 1_000_000));
  set('redactHeaders', () =>
    readNames(
      env,
      'FAULTLINE_REDACT_HEADERS',
      /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/,
      'header names (letters, digits, - and _)',
    ),
  );
  set('redactQuery', () =>
    readNames(env, 'FAULTLINE_REDACT_QUERY', /^[^\s=&#]+$/, 'query parameter names (no spaces, =, & or #)'),
  );
  set('logLevel', () => readChoice(env, 'FAULTLINE_LOG_LEVEL', LOG_LEVELS) ?? readSharedLogLevel(env));
  set('logFormat', () => readChoice(env, 'FAULTLINE_LOG_FORMAT', ['json', 'pretty'] as const));
  set('logSampleInitial', () => readInteger(env, 'FAULTLINE_LOG_SAMPLE_INITIAL', 0, MAX_LOG_SAMPLE));
  set('logSampleThereafter', () => readInteger(env, 'FAULTLINE_LOG_SAMPLE_THEREAFTER', 0, MAX_LOG_SAMPLE));
  set('proxy', () => {
    const proxy = readChoice(env, 'FAULTLINE_PROXY', ['on', 'off', 'true', 'false'] as const);
    return proxy === undefined ? undefined : proxy === 'on' || proxy === 'true';
  });
  set('redisUrl', () => readRedisUrl(env, envValue(env, 'FAULTLINE_REDIS_CLUSTER_NODES') !== undefined));
  set('redisClusterNodes', () => readClusterNodes(env));
  // Against the URL as written, valid or not: a wrong URL must not also make the TLS files wrong.
  set('redisTls', () => readRedisTls(env, envValue(env, 'FAULTLINE_REDIS_URL')));
  set('redisPrefix', () => {
    const prefix = envValue(env, 'FAULTLINE_REDIS_PREFIX');
    if (prefix === undefined || /^\S{1,64}$/.test(prefix)) return prefix;
    throw new ConfigError('FAULTLINE_REDIS_PREFIX', prefix, 'is not a key prefix', 'up to 64 characters, no spaces');
  });
  set('sloObjective', () => readSloObjective(env));
  set('sloObjectives', () => readSloObjectives(env));
  set('sloLatency', () => readSloLatency(env));
  // Ignored proxy variables are not validated either: off means faultline does not look.
  if (config.proxy !== false) set('proxySettings', () => readProxySettings(env));
  return { config, problems };
}

function readInteger(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const accepted = `a whole number from ${min} to ${max}`;
  if (!/^[+]?\d+$/.test(raw)) {
    const problem = /^-?\d*\.?\d+(e[+-]?\d+)?$/i.test(raw) ? 'is not a whole number in range' : 'is not a number';
    throw new ConfigError(name, env[name], problem, accepted);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, env[name], 'is out of range', accepted);
  }
  return value;
}

function readKinds(env: Env, name: string): FailureKind[] | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const kinds: FailureKind[] = [];
  for (const part of raw.split(',')) {
    const kind = part.trim().toLowerCase();
    if (kind === '') continue;
    if (!isFailureKind(kind)) {
      throw new ConfigError(
        name,
        env[name],
        `names an unknown kind "${part.trim()}"`,
        `a comma list of ${FAILURE_KINDS.join(', ')}`,
      );
    }
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

function readNames(env: Env, name: string, pattern: RegExp, accepted: string): string[] | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const names: string[] = [];
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    if (!pattern.test(item))
      throw new ConfigError(name, env[name], `has an invalid name "${item}"`, `a comma list of ${accepted}`);
    names.push(item.toLowerCase());
  }
  return names;
}

const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  trace: 'silly',
  warning: 'warn',
  fatal: 'error',
  critical: 'error',
  notice: 'info',
};

/**
 * LOG_LEVEL belongs to the whole application, which may use another library's names for
 * levels: map the common ones and ignore what we do not know rather than refuse to start.
 */
function readSharedLogLevel(env: Env): LogLevel | undefined {
  const raw = envValue(env, 'LOG_LEVEL')?.toLowerCase();
  if (raw === undefined) return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  return Object.hasOwn(LOG_LEVEL_ALIASES, raw) ? LOG_LEVEL_ALIASES[raw] : undefined;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[]): T | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const value = raw.toLowerCase();
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, env[name], 'is not a known value', `one of ${choices.join(', ')}`);
  }
  return value as T;
}
