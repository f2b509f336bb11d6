import type { Logger } from 'winston';
import { basicAuthorization } from '../auth/basicAuth.js';
import { type EnvConfig, readEnvConfig } from '../config/envConfig.js';
import { ConfigError } from '../errors/ConfigError.js';
import { createRedactor, type Redactor } from '../redaction/Redactor.js';
import { defaultLogger } from '../signals/defaultLogger.js';
import { exponentialBackoff } from '../strategies/exponentialBackoff.js';
import { createUndiciTransport, type Transport } from '../transport/undiciTransport.js';
import type { AuthStrategy, ClientOptions, Clock, DispatcherLike, HeadersInput, RetryStrategy } from '../types.js';
import type { Diagnostics } from '../util/guard.js';
import { withoutUndefined } from '../util/withoutUndefined.js';
import { systemClock } from './systemClock.js';

/** The defaults options fall back to when neither code nor the environment sets them. */
export const defaultClientOptions = {
  timeoutMs: 30_000,
  attemptTimeoutMs: 10_000,
  maxRedirects: 10,
  maxJsonBytes: 32 * 1024 * 1024,
} as const;

/** Everything a call needs, resolved once when the client is created. */
export interface ClientConfig {
  readonly name: string;
  /** `https://host:port` of baseUrl, when there is one. */
  readonly baseOrigin: string | undefined;
  /** baseUrl's path without a trailing slash ('' for the root). */
  readonly basePath: string;
  /** baseUrl's host name ('' without baseUrl). */
  readonly baseHostname: string;
  /** baseUrl's port, the scheme's default when none is written (0 without baseUrl). */
  readonly basePort: number;
  readonly baseHeaders: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly maxRedirects: number;
  readonly maxJsonBytes: number;
  readonly retry: RetryStrategy;
  readonly auth: AuthStrategy | undefined;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly redactor: Redactor;
  readonly diagnostics: Diagnostics;
  readonly logger: Logger;
  readonly env: EnvConfig;
}

/**
 * Merges explicit options over the environment over the defaults, and validates the
 * result. Runs once per client, never per request.
 *
 * @throws {ConfigError} for an invalid option or environment variable.
 */
export function resolveClientConfig(options: ClientOptions): ClientConfig {
  const env = readEnvConfig(options.env ?? process.env);
  const base = options.baseUrl === undefined ? undefined : parseBaseUrl(options.baseUrl);
  const timeoutMs =
    checkCount('timeoutMs', options.timeoutMs, 'milliseconds') ?? env.timeoutMs ?? defaultClientOptions.timeoutMs;
  const attemptTimeoutMs =
    checkCount('attemptTimeoutMs', options.attemptTimeoutMs, 'milliseconds') ??
    env.attemptTimeoutMs ??
    defaultClientOptions.attemptTimeoutMs;
  const maxRedirects =
    checkCount('maxRedirects', options.maxRedirects, 'redirects') ?? defaultClientOptions.maxRedirects;
  const baseHeaders = lowerCaseHeaders(options.headers);
  if (base?.authorization !== undefined && baseHeaders['authorization'] === undefined) {
    baseHeaders['authorization'] = base.authorization;
  }
  const name = options.name ?? base?.url.hostname ?? 'http';
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError('name', name, 'is empty', 'a non-empty upstream name');
  }
  const logger = options.logger ?? defaultLogger(env);
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
    maxJsonBytes: checkCount('maxJsonBytes', options.maxJsonBytes, 'bytes') ?? defaultClientOptions.maxJsonBytes,
    retry:
      options.retry ??
      exponentialBackoff(
        withoutUndefined({
          maxAttempts: env.retryMaxAttempts,
          baseDelayMs: env.retryBaseDelayMs,
          maxDelayMs: env.retryMaxDelayMs,
          maxRetryAfterMs: env.retryMaxRetryAfterMs,
        }),
      ),
    auth: options.auth,
    clock: options.clock ?? systemClock,
    transport: createUndiciTransport({
      connectTimeoutMs: attemptTimeoutMs,
      dispatcher: checkDispatcher(options.dispatcher),
      proxy: env.proxySettings,
    }),
    redactor: createRedactor({
      headers: options.redactHeaders ?? env.redactHeaders ?? [],
      query: options.redactQuery ?? env.redactQuery ?? [],
    }),
    diagnostics: { warn: (message, meta) => logger.warn(message, meta) },
    logger,
    env,
  };
}

function parseBaseUrl(baseUrl: string | URL): { url: URL; authorization?: string } {
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
  if (url.username === '' && url.password === '') return { url };
  const authorization = basicAuthorization(decodeURIComponent(url.username), decodeURIComponent(url.password));
  url.username = '';
  url.password = '';
  return { url, authorization };
}

function checkDispatcher(dispatcher: DispatcherLike | undefined): DispatcherLike | undefined {
  if (dispatcher === undefined) return undefined;
  if (typeof dispatcher !== 'object' || dispatcher === null || typeof dispatcher.dispatch !== 'function') {
    throw new ConfigError(
      'dispatcher',
      typeof dispatcher,
      'is not an undici Dispatcher',
      'an undici Dispatcher such as an Agent, ProxyAgent or MockAgent',
    );
  }
  return dispatcher;
}

function checkCount(option: string, value: number | undefined, unit: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(option, value, 'is not a non-negative number', `a whole number of ${unit}, 0 or more`);
  }
  return value;
}

/** Headers in any HeadersInit shape, as a plain object with lower-case names. */
export function lowerCaseHeaders(init: HeadersInput | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers) {
    init.forEach((value, key) => {
      out[key] = value;
    });
    return out;
  }
  const pairs: Iterable<readonly [string, string]> = Array.isArray(init)
    ? (init as [string, string][])
    : Object.entries(init as Record<string, string>);
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    const name = key.toLowerCase();
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${String(value)}` : String(value);
  }
  return out;
}
