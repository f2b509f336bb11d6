import type { AuthStrategy } from '../types/auth.js';

/** Options of {@link bearerToken}. */
export interface BearerTokenOptions {
  /** Fetches a token when faultline holds none yet (first use). */
  readonly getToken: () => string | Promise<string>;
  /**
   * Fetches a new token after a 401. Concurrent 401s share one call.
   * @default getToken
   */
  readonly refresh?: (staleToken: string | undefined) => string | Promise<string>;
}

/**
 * Sends `Authorization: Bearer <token>`. On a 401 the token is refreshed once — every
 * request that failed with the same stale token shares that one refresh — and the
 * request is replayed at most once.
 *
 * @example
 * ```ts
 * const auth = bearerToken({
 *   getToken: () => tokenCache.get(),
 *   refresh: () => oauth.clientCredentials(),
 * });
 * ```
 */
export function bearerToken(options: BearerTokenOptions): AuthStrategy {
  const refresh = options.refresh ?? (() => options.getToken());
  let token: string | undefined;
  let pending: Promise<string> | undefined;
  // The token each call last sent, so a late 401 after a refresh replays without refreshing again.
  const sentWith = new WeakMap<object, string>();

  const singleFlight = (fetchToken: () => string | Promise<string>): Promise<string> => {
    if (pending === undefined) {
      pending = Promise.resolve()
        .then(fetchToken)
        .then((fresh) => {
          token = fresh;
          return fresh;
        })
        .finally(() => {
          pending = undefined;
        });
    }
    return pending;
  };

  return {
    async apply({ headers, call }) {
      const current = token ?? (await singleFlight(options.getToken));
      sentWith.set(call, current);
      headers['authorization'] = `Bearer ${current}`;
    },
    async onUnauthorized({ call }) {
      const stale = sentWith.get(call);
      if (token !== undefined && stale !== token) return true; // already refreshed by another call
      await singleFlight(() => refresh(stale));
      return true;
    },
  };
}
