import { nodeCrypto } from '../core/nodeBuiltins.js';
import type { AuthStrategy } from '../types/auth.js';

/** Options of {@link hmacAuth}. */
export interface HmacAuthOptions {
  /** Identifies the key to the server. */
  readonly keyId: string;
  /** The shared secret. Never leaves the process. */
  readonly secret: string | Uint8Array;
  /** @default 'sha256' */
  readonly algorithm?: 'sha256' | 'sha512';
  /**
   * Include a digest of the body in the signature (streams cannot be digested and are
   * signed as `UNSIGNED-PAYLOAD`).
   * @default true
   */
  readonly signBody?: boolean;
  /** Milliseconds now; for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * Signs every attempt with HMAC over the method, path with query, timestamp and body
 * digest. Sends `X-Faultline-Timestamp`, `X-Content-Digest` and
 * `Authorization: HMAC-SHA256 keyId="…", signature="…"`. Each attempt is signed anew, so
 * replays carry a fresh timestamp.
 *
 * The string signed is `METHOD\npath?query\ntimestamp\nbodyDigest`.
 *
 * @example
 * ```ts
 * const auth = hmacAuth({ keyId: 'svc-orders', secret: process.env.ORDERS_HMAC_SECRET! });
 * ```
 */
export function hmacAuth(options: HmacAuthOptions): AuthStrategy {
  const algorithm = options.algorithm ?? 'sha256';
  const now = options.now ?? Date.now;
  const signBody = options.signBody ?? true;
  const scheme = `HMAC-${algorithm.toUpperCase()}`;
  return {
    apply({ method, url, headers, body }) {
      const timestamp = String(Math.floor(now() / 1000));
      const digest = !signBody || body === null ? 'UNSIGNED-PAYLOAD' : hashOf(body ?? '', algorithm);
      const signature = hmacSignature(
        options.secret,
        { method, pathWithQuery: `${url.pathname}${url.search}`, timestamp, bodyDigest: digest },
        algorithm,
      );
      headers['x-faultline-timestamp'] = timestamp;
      headers['x-content-digest'] = `${algorithm}=${digest}`;
      headers['authorization'] = `${scheme} keyId="${options.keyId}", signature="${signature}"`;
    },
  };
}

function hashOf(body: string | Uint8Array, algorithm: string): string {
  return nodeCrypto().createHash(algorithm).update(body).digest('hex');
}

/**
 * The signature {@link hmacAuth} sends for a request: what the receiving server computes
 * to verify it (compare with `crypto.timingSafeEqual`).
 *
 * @example
 * ```ts
 * const expected = hmacSignature(secret, {
 *   method: req.method,
 *   pathWithQuery: req.originalUrl,
 *   timestamp: req.get('x-faultline-timestamp'),
 *   bodyDigest: req.get('x-content-digest').split('=')[1],
 * });
 * ```
 */
export function hmacSignature(
  secret: string | Uint8Array,
  canonical: { method: string; pathWithQuery: string; timestamp: string; bodyDigest: string },
  algorithm: 'sha256' | 'sha512' = 'sha256',
): string {
  const text = `${canonical.method}\n${canonical.pathWithQuery}\n${canonical.timestamp}\n${canonical.bodyDigest}`;
  return nodeCrypto().createHmac(algorithm, secret).update(text).digest('hex');
}
