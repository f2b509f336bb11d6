import { ConfigError } from '../errors/ConfigError.js';
import { REDACTED } from '../redaction/Redactor.js';
import { maskCredentials } from '../core/maskCredentials.js';
import { withoutUndefined } from '../core/withoutUndefined.js';
import type { ProxySettings } from '../transport/ProxySettings.js';
import type { Env } from './envValue.js';

export type { ProxySettings };

/** Each setting's variables in the order undici reads them: lower case first. */
export const PROXY_VARIABLES = {
  httpProxy: ['http_proxy', 'HTTP_PROXY'],
  httpsProxy: ['https_proxy', 'HTTPS_PROXY'],
  noProxy: ['no_proxy', 'NO_PROXY'],
} as const;

const PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:', 'socks:'];
const ACCEPTED = 'a proxy URL such as http://proxy.internal:3128 (http:, https:, socks5:; user:password@ allowed)';

/**
 * The variable undici would take a setting from, and its value: the first one set, lower
 * case first, so an empty `http_proxy` hides `HTTP_PROXY` as it does for undici.
 */
export function proxyVariable(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return value.trim() === '' ? undefined : { name, value: value.trim() };
  }
  return undefined;
}

/**
 * Reads the proxy variables; undefined when neither `HTTP_PROXY` nor `HTTPS_PROXY` (nor
 * their lower-case forms) is set.
 *
 * @throws {ConfigError} naming the variable when a proxy is not a URL undici can use (the
 * value in the message has its credentials masked).
 */
export function readProxySettings(env: Env): ProxySettings | undefined {
  const http = proxyVariable(env, PROXY_VARIABLES.httpProxy);
  const https = proxyVariable(env, PROXY_VARIABLES.httpsProxy);
  if (http === undefined && https === undefined) return undefined;
  return withoutUndefined({
    httpProxy: http === undefined ? undefined : proxyUrl(http.name, http.value),
    httpsProxy: https === undefined ? undefined : proxyUrl(https.name, https.value),
    noProxy: proxyVariable(env, PROXY_VARIABLES.noProxy)?.value,
  });
}

/** `host:port` without a scheme means an HTTP proxy, as curl reads it. */
function proxyUrl(name: string, raw: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not chained as the cause: URL's TypeError carries the input, credentials and all.
    throw new ConfigError(name, maskProxyCredentials(raw), 'is not a URL', ACCEPTED);
  }
  if (!PROXY_PROTOCOLS.includes(url.protocol))
    throw new ConfigError(name, maskProxyCredentials(raw), 'has an unsupported protocol', ACCEPTED);
  return url.href;
}

/**
 * The text with everything between the scheme and the last `@` masked, parsable as a URL
 * or not: a password written with a raw `/`, `?` or `#` is still masked whole.
 */
export function maskProxyCredentials(text: string): string {
  return maskCredentials(text, REDACTED);
}
