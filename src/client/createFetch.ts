import { isRequestFailure } from '../errors/RequestFailure.js';
import type { ClientOptions, DispatcherLike, RequestOptions } from '../types/client.js';
import { createClient } from './createClient.js';

/**
 * A function with the signature of global `fetch`. Its `init.dispatcher` takes any undici
 * version's dispatcher (Node's own `RequestInit` types only the one bundled with Node), so
 * it still fits wherever `typeof fetch` is expected.
 */
export type FetchFunction = (
  input: string | URL | Request,
  init?: Omit<RequestInit, 'dispatcher'> & { dispatcher?: DispatcherLike },
) => Promise<Response>;

/**
 * Returns a function with the signature and semantics of global `fetch` — it resolves
 * for 4xx and 5xx, rejects with a `TypeError('fetch failed')` whose `cause` is the
 * classified {@link RequestFailure}, and with the signal's reason on abort — with
 * classification, signals and retries inside. Hand it to any SDK that takes a `fetch`.
 * `redirect` (`'follow'`, `'manual'`, `'error'`) and `dispatcher` in `init` (or on a
 * `Request`) mean what they mean to fetch.
 *
 * @example
 * ```ts
 * const stripe = new Stripe(key, { httpClient: Stripe.createFetchHttpClient(createFetch({ name: 'stripe' })) });
 * ```
 */
export function createFetch(options: ClientOptions = {}): FetchFunction {
  const client = createClient(options);
  return async (input, init) => {
    const { url, requestInit } = await normalizeInput(input, init);
    try {
      return await client.request(url, { ...requestInit, throwHttpErrors: false });
    } catch (error) {
      if (isRequestFailure(error) && error.kind === 'cancelled') {
        throw requestInit.signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      }
      throw new TypeError('fetch failed', { cause: error });
    }
  };
}

async function normalizeInput(
  input: string | URL | Request,
  init: Parameters<FetchFunction>[1],
): Promise<{ url: string | URL; requestInit: RequestOptions }> {
  if (typeof input === 'string' || input instanceof URL) return { url: input, requestInit: asRequestOptions(init) };
  // A Request: its fields, overridden by init as fetch does. Its body is read once so
  // that it can be replayed.
  const body =
    init?.body !== undefined ? init.body : input.body === null ? undefined : new Uint8Array(await input.arrayBuffer());
  const requestInit = {
    method: init?.method ?? input.method,
    headers: init?.headers ?? input.headers,
    signal: init?.signal ?? input.signal,
    redirect: init?.redirect ?? input.redirect,
    ...(init?.dispatcher === undefined ? {} : { transport: { dispatcher: init.dispatcher } }),
    ...(body === undefined || body === null ? {} : { body }),
  };
  return { url: input.url, requestInit: requestInit as RequestOptions };
}

/** fetch's init as a call's options: undici's own `dispatcher` extension becomes `transport.dispatcher`. */
function asRequestOptions(init: Parameters<FetchFunction>[1]): RequestOptions {
  if (init === undefined || init === null) return {};
  if (init.dispatcher === undefined) return init as RequestOptions;
  const { dispatcher, ...rest } = init;
  return { ...rest, transport: { dispatcher } } as RequestOptions;
}
