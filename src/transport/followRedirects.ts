import type { Failure } from '../types/failure.js';
import type { BufferedResponse } from './bufferWithDeadline.js';
import type { TransportRequest, TransportResponse } from './undiciTransport.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** A response as either exchange hands it over: with undici's stream body, or read whole. */
type AnyResponse = TransportResponse | BufferedResponse;

/** The final response and the URL it came from. */
export interface FollowedResponse<R extends AnyResponse> {
  readonly response: R;
  readonly href: string;
}

/** The code of the failure that `redirect: 'error'` makes of a redirect. */
export const UNEXPECTED_REDIRECT = 'UNEXPECTED_REDIRECT';

/**
 * What `redirect: 'error'` makes of a response: fetch fails on any redirect status (its
 * cause says "unexpected redirect"), Location or not. Told as `invalid_response` — the
 * upstream answered, but not as the caller required — so the default `retry` does not
 * retry it. Null for any other status.
 */
export function unexpectedRedirect(status: number): Failure | null {
  return REDIRECT_STATUSES.has(status)
    ? {
        kind: 'invalid_response',
        code: UNEXPECTED_REDIRECT,
        status,
        message: `Unexpected redirect: the response is a ${status} and the request said redirect: 'error'`,
      }
    : null;
}

/** Where `response` redirects to, when it is a redirect to follow (a redirect status with a Location). */
export function redirectLocation(response: AnyResponse): string | undefined {
  const location = response.headers['location'];
  return REDIRECT_STATUSES.has(response.statusCode) && typeof location === 'string' && location !== ''
    ? location
    : undefined;
}

/**
 * Follows the redirects that begin with `response`, the answer to `request` sent to
 * `href`, as fetch does: 303 (and 301/302 after a POST) become GETs without a body,
 * 307/308 repeat the method and body (a stream body cannot be repeated, so that response
 * is returned as it is), and no header `isSecretHeader` names (the client's redaction list,
 * the user's additions included: the one predicate the redactor uses) follows a request
 * to another origin. Done here rather than by undici's interceptor, which costs every
 * request, redirected or not; the caller sends the first request itself, so a call that
 * is not redirected pays one status check and no promise for it.
 */
export async function followRedirects<R extends AnyResponse>(
  send: (request: TransportRequest) => Promise<R>,
  request: TransportRequest,
  response: R,
  href: string,
  maxRedirects: number,
  isSecretHeader: (name: string) => boolean,
): Promise<FollowedResponse<R>> {
  let current = request;
  let currentHref = href;
  let currentResponse = response;
  for (let hops = 0; ; hops++) {
    const location = redirectLocation(currentResponse);
    if (location === undefined) return { response: currentResponse, href: currentHref };
    const next = new URL(location, currentHref);
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      return { response: currentResponse, href: currentHref };
    const status = currentResponse.statusCode;
    const toGet =
      status === 303 ? current.method !== 'HEAD' : (status === 301 || status === 302) && current.method === 'POST';
    if (!toGet && current.body !== undefined && typeof current.body === 'object' && 'pipe' in current.body) {
      return { response: currentResponse, href: currentHref };
    }
    if (hops >= maxRedirects) {
      currentResponse.body.dump().catch(() => {});
      throw Object.assign(new Error(`More than ${maxRedirects} redirects`), { code: 'ERR_TOO_MANY_REDIRECTS' });
    }
    await currentResponse.body.dump();
    let headers = current.headers;
    const crossOrigin = next.origin !== new URL(currentHref).origin;
    if (toGet || crossOrigin) {
      headers = { ...headers };
      if (toGet) for (const name of BODY_HEADERS) delete headers[name];
      if (crossOrigin) for (const name of Object.keys(headers)) if (isSecretHeader(name)) delete headers[name];
    }
    current = {
      ...current,
      origin: next.origin,
      path: next.pathname + next.search,
      method: toGet ? 'GET' : current.method,
      body: toGet ? undefined : current.body,
      headers,
    };
    currentHref = next.href;
    currentResponse = await send(current);
  }
}
