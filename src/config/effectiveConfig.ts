import { createRedactor, DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY } from '../redaction/Redactor.js';
import { DEFAULTS } from '../core/defaults.js';
import { defaultResilience, describeResilience } from './defaultResilience.js';
import { readEnvConfig } from './envConfig.js';
import { maskProxyCredentials, PROXY_VARIABLES, proxyVariable } from './proxySettings.js';
import { maskRedisUrl, TLS_VARIABLES } from './redisSettings.js';

/** One line of the effective configuration. */
export interface EffectiveSetting {
  readonly name: string;
  /** The value in force, secrets masked. */
  readonly value: string;
  readonly source: 'environment' | 'default' | 'unset';
}

const MASK = '****';

/**
 * The configuration faultline would run with, from the environment and the defaults,
 * with secrets masked: what `faultline check` prints.
 *
 * @throws {ConfigError} for an invalid `FAULTLINE_*` variable.
 */
export function effectiveConfig(env: Readonly<Record<string, string | undefined>>): EffectiveSetting[] {
  const config = readEnvConfig(env);
  const redactor = createRedactor({
    headers: config.redactHeaders ?? [],
    query: config.redactQuery ?? [],
  });
  const setting = (name: string, value: unknown, fallback: unknown): EffectiveSetting => {
    const chosen = value ?? fallback;
    const text = Array.isArray(chosen) ? chosen.join(',') : chosen === undefined ? '' : String(chosen);
    return {
      name,
      value: text,
      source: value !== undefined ? 'environment' : fallback !== undefined ? 'default' : 'unset',
    };
  };
  const list: EffectiveSetting[] = [
    setting('FAULTLINE_TIMEOUT_MS', config.timeoutMs, DEFAULTS.timeoutMs),
    setting('FAULTLINE_ATTEMPT_TIMEOUT_MS', config.attemptTimeoutMs, DEFAULTS.attemptTimeoutMs),
    setting('FAULTLINE_RETRY_MAX_ATTEMPTS', config.retryMaxAttempts, DEFAULTS.retryMaxAttempts),
    setting('FAULTLINE_RETRY_BASE_DELAY_MS', config.retryBaseDelayMs, DEFAULTS.retryBaseDelayMs),
    setting('FAULTLINE_RETRY_MAX_DELAY_MS', config.retryMaxDelayMs, DEFAULTS.retryMaxDelayMs),
    setting('FAULTLINE_RETRY_MAX_RETRY_AFTER_MS', config.retryMaxRetryAfterMs, DEFAULTS.retryMaxRetryAfterMs),
    setting('FAULTLINE_REPORT_KINDS', config.reportKinds, DEFAULTS.reportKinds),
    setting('FAULTLINE_REPORT_CAP_PER_MINUTE', config.reportCapPerMinute, DEFAULTS.reportCapPerMinute),
    setting(
      'FAULTLINE_REDACT_HEADERS',
      config.redactHeaders === undefined ? undefined : [...DEFAULT_REDACTED_HEADERS, ...config.redactHeaders],
      DEFAULT_REDACTED_HEADERS,
    ),
    setting(
      'FAULTLINE_REDACT_QUERY',
      config.redactQuery === undefined ? undefined : [...DEFAULT_REDACTED_QUERY, ...config.redactQuery],
      DEFAULT_REDACTED_QUERY,
    ),
    setting('FAULTLINE_LOG_LEVEL', config.logLevel, DEFAULTS.logLevel),
    setting('FAULTLINE_LOG_FORMAT', config.logFormat, DEFAULTS.logFormat),
    // 0 is not a count of lines but sampling turned off: say so.
    setting(
      'FAULTLINE_LOG_SAMPLE_INITIAL',
      config.logSampleInitial === 0 ? 'off' : config.logSampleInitial,
      DEFAULTS.logSampleInitial,
    ),
    setting('FAULTLINE_LOG_SAMPLE_THEREAFTER', config.logSampleThereafter, DEFAULTS.logSampleThereafter),
    setting('FAULTLINE_PROXY', config.proxy === undefined ? undefined : config.proxy ? 'on' : 'off', 'on'),
    setting(
      'FAULTLINE_REDIS_URL',
      config.redisUrl === undefined ? undefined : maskRedisUrl(config.redisUrl),
      undefined,
    ),
    setting(
      'FAULTLINE_REDIS_CLUSTER_NODES',
      config.redisClusterNodes?.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`),
      undefined,
    ),
    // The files' names, not their contents (the key is a secret; the names are not).
    ...Object.values(TLS_VARIABLES).map((name) =>
      setting(name, config.redisTls === undefined ? undefined : env[name]?.trim() || undefined, undefined),
    ),
    setting('FAULTLINE_REDIS_PREFIX', config.redisPrefix, DEFAULTS.redisPrefix),
    setting('FAULTLINE_SLO_OBJECTIVE', config.sloObjective, 'off'),
    setting(
      'FAULTLINE_SLO_OBJECTIVES',
      config.sloObjectives?.map(({ upstream, objective }) => `${upstream}=${objective}`),
      undefined,
    ),
    setting(
      'FAULTLINE_SLO_LATENCY',
      config.sloLatency === undefined
        ? undefined
        : `${Number((config.sloLatency.thresholdSeconds * 1000).toPrecision(12))}ms:${config.sloLatency.objective}`,
      'off',
    ),
  ];
  // The policies a client gets without a `resilience` option of its own.
  list.push({ name: 'resilience', value: describeResilience(defaultResilience(config)), source: 'default' });
  // The proxies in force (the variable that supplies each, as undici picks it), credentials masked.
  for (const names of Object.values(PROXY_VARIABLES)) {
    const variable = proxyVariable(env, names);
    if (variable === undefined) continue;
    const value = maskProxyCredentials(variable.value);
    list.push({
      name: variable.name,
      value: config.proxy === false ? `${value} (ignored: FAULTLINE_PROXY=off)` : value,
      source: 'environment',
    });
  }
  const standard = Object.keys(env)
    .filter((name) => /^(SENTRY_|OTEL_)/.test(name) || name === 'LOG_LEVEL')
    .sort();
  for (const name of standard) {
    list.push({ name, value: mask(name, env[name] ?? '', redactor.url), source: 'environment' });
  }
  return list;
}

/** Masks what an operator must not see printed: keys, tokens, header values, userinfo. */
function mask(name: string, value: string, redactUrl: (url: string) => string): string {
  if (name === 'SENTRY_DSN') return value.replace(/\/\/[^@/]*@/, `//${MASK}@`);
  if (/HEADERS$/.test(name)) return value.replace(/=([^,]*)/g, `=${MASK}`);
  if (/(TOKEN|SECRET|PASSWORD|KEY|AUTH)/.test(name)) return MASK;
  if (/^https?:\/\//.test(value)) return redactUrl(value);
  return value;
}
