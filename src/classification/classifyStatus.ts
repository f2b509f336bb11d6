import type { Failure, HeadersLike } from '../types/failure.js';
import { retryAfterFromHeaders } from './retryAfter.js';

/** HTTP status phrases for messages; unknown statuses just show the number. */
const REASONS: ReadonlyMap<number, string> = new Map([
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [408, 'Request Timeout'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [413, 'Content Too Large'],
  [415, 'Unsupported Media Type'],
  [422, 'Unprocessable Content'],
  [429, 'Too Many Requests'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
]);

/**
 * Classifies an HTTP status (with its headers, for Retry-After). Statuses below 400 are
 * successes (`null`). A status that is not an integer from 100 to 599 is
 * `invalid_response`.
 */
export function classifyStatus(
  status: number,
  headers: HeadersLike | undefined | null,
  now: number = Date.now(),
): Failure | null {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    const code = Number.isFinite(status) ? String(status) : 'INVALID_STATUS';
    return { kind: 'invalid_response', code, message: `Invalid HTTP status ${String(status)}` };
  }
  if (status < 400) return null;
  const code = String(status);
  const reason = REASONS.get(status);
  const message = reason === undefined ? `HTTP ${code}` : `HTTP ${code} ${reason}`;
  const retryAfterMs = status === 429 || status >= 500 ? retryAfterFromHeaders(headers, now) : undefined;
  const withDelay = (failure: Failure): Failure =>
    retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
  switch (status) {
    case 401:
      return { kind: 'unauthorized', code, status, message };
    case 403:
      return { kind: 'forbidden', code, status, message };
    case 429:
      return withDelay({ kind: 'throttled', code, status, message });
    case 408:
      return { kind: 'timeout', code, status, message };
    case 504:
      return withDelay({ kind: 'timeout', code, status, message });
    case 503:
      return withDelay({
        kind: retryAfterMs === undefined ? 'server' : 'throttled',
        code,
        status,
        message,
      });
    default:
      return status >= 500
        ? withDelay({ kind: 'server', code, status, message })
        : { kind: 'client', code, status, message };
  }
}
