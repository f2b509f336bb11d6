import type { AuthStrategy } from '../types/auth.js';

/** The value of a Basic `Authorization` header (RFC 7617, UTF-8). */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Sends HTTP Basic credentials with every attempt.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, auth: basicAuth('user', process.env.API_PASSWORD ?? '') });
 * ```
 */
export function basicAuth(user: string, password: string): AuthStrategy {
  const value = basicAuthorization(user, password);
  return {
    apply({ headers }) {
      headers['authorization'] = value;
    },
  };
}
