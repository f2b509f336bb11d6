import { basicAuthorization } from '../auth/basicAuth.js';
import type { PipelineConfig } from './PipelineConfig.js';

/** Where one call goes. */
export interface Target {
  readonly origin: string;
  /** Path and query, starting with '/'. */
  readonly path: string;
  /** The full URL (unredacted: it stays inside the process). */
  readonly href: string;
  readonly hostname: string;
  readonly port: number;
  /** Basic credentials found in the URL's userinfo. */
  readonly authorization?: string;
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
// Anything outside printable ASCII, or a fragment, needs the URL parser's encoding.
const NEEDS_NORMALISING = /[^\x21-\x7e]|#/;

/**
 * Resolves a call's `path` against the client's baseUrl. A relative path is appended to
 * baseUrl's path (as got's prefixUrl and ky's prefix do); an absolute URL stands alone.
 * Userinfo becomes Basic credentials and is removed from the URL.
 *
 * @throws {TypeError} for a URL that cannot be parsed, or a relative path without baseUrl.
 */
export function resolveTarget(config: PipelineConfig, path: string | URL): Target {
  if (typeof path === 'string' && config.baseOrigin !== undefined && !ABSOLUTE.test(path)) {
    const joined = config.basePath + (path.startsWith('/') ? path : `/${path}`);
    if (!NEEDS_NORMALISING.test(joined)) {
      return {
        origin: config.baseOrigin,
        path: joined,
        href: config.baseOrigin + joined,
        hostname: config.baseHostname,
        port: config.basePort,
      };
    }
    return targetOf(new URL(config.baseOrigin + joined));
  }
  if (typeof path === 'string' && !ABSOLUTE.test(path)) {
    throw new TypeError(`Cannot resolve relative path "${path}": the client has no baseUrl`);
  }
  return targetOf(new URL(String(path)));
}

/**
 * Where a parsed http(s) URL points, its userinfo taken out as Basic credentials (as
 * curl and got do). The one place faultline takes a URL apart.
 *
 * @throws {TypeError} for a protocol other than http: and https:.
 */
export function targetOf(url: URL): Target {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Unsupported protocol ${url.protocol} (http: and https: are)`);
  }
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    authorization = basicAuthorization(decodeURIComponent(url.username), decodeURIComponent(url.password));
    url.username = '';
    url.password = '';
  }
  url.hash = '';
  const target = {
    origin: url.origin,
    path: url.pathname + url.search,
    href: url.href,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
  };
  return authorization === undefined ? target : { ...target, authorization };
}
