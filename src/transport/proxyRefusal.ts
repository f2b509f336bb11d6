import type { Failure } from '../types/failure.js';

/** undici's words when a proxy answers a CONNECT with anything but 200 (tunnelling). */
const TUNNEL_REFUSED = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/;
/** …and when it answers a forwarded request with 407 (plain HTTP through the proxy). */
const FORWARD_REFUSED = /^Proxy Authentication Required \((407)\)$/;

/**
 * undici tells a proxy's refusal as `UND_ERR_ABORTED` (which reads as the caller's own
 * cancellation, never reported) or as an invalid argument. Told instead as a `network`
 * failure in the `connect` phase — nothing reached the upstream, and the proxy is part of
 * the way there — with the code `PROXY_<status>` (`PROXY_407` for wrong or missing proxy
 * credentials, `PROXY_403` for a destination the proxy forbids, `PROXY_502` …). Any other
 * error is returned as it is.
 */
export function proxyRefusal(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return error;
  const match =
    code === 'UND_ERR_ABORTED'
      ? TUNNEL_REFUSED.exec(message)
      : code === 'UND_ERR_INVALID_ARG'
        ? FORWARD_REFUSED.exec(message)
        : null;
  if (match === null) return error;
  const status = match[1];
  const failure: Failure = {
    kind: 'network',
    code: `PROXY_${status}`,
    phase: 'connect',
    message:
      status === '407'
        ? 'The proxy refused the request: 407 Proxy Authentication Required (check the proxy credentials)'
        : `The proxy refused the request with ${status}`,
    cause: error,
  };
  // An Error carrying a Failure's fields: classify() reads it as one of faultline's own.
  return Object.assign(new Error(failure.message, { cause: error }), failure, { name: 'ProxyRefusedError' });
}
