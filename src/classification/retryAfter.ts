import type { HeadersLike } from '../types/failure.js';
import { readHeader } from './readHeader.js';
import { MAX_TIMER_MS } from '../core/timerCeiling.js';

/** Epoch seconds above this are dates, not deltas (2001-09-09). */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

/**
 * Parses a Retry-After value: delay-seconds (`"120"`) or an HTTP-date. Returns
 * milliseconds from `now` (0 for a date in the past), or undefined for garbage.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return clampMs(Number(trimmed) * 1000);
  // An HTTP-date always names its weekday and month; reject the bare numbers and
  // fragments Date.parse would otherwise accept.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return clampMs(date - now);
}

/**
 * Parses a reset value from the RateLimit family: seconds from now, or (for
 * X-RateLimit-Reset as GitHub and others send it) an epoch timestamp in seconds or ms.
 */
export function parseRateLimitReset(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  if (n >= EPOCH_SECONDS_THRESHOLD * 1000) return clampMs(n - now);
  if (n >= EPOCH_SECONDS_THRESHOLD) return clampMs(n * 1000 - now);
  return clampMs(n * 1000);
}

/** Reads `t=` (the reset) from an IETF structured `RateLimit` header: `"default";r=0;t=30`. */
function parseRateLimitStructured(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /(?:^|;)\s*t\s*=\s*(\d+)/.exec(value);
  return match?.[1] === undefined ? undefined : clampMs(Number(match[1]) * 1000);
}

const RESET_HEADERS = ['ratelimit-reset', 'x-ratelimit-reset', 'x-rate-limit-reset'] as const;

/**
 * How long the server asked to wait, in ms: Retry-After first, then the structured
 * `RateLimit` header, then RateLimit-Reset / X-RateLimit-Reset / X-Rate-Limit-Reset,
 * then X-RateLimit-Reset-After. Undefined when no header says.
 */
export function retryAfterFromHeaders(
  headers: HeadersLike | undefined | null,
  now: number = Date.now(),
): number | undefined {
  const retryAfter = parseRetryAfter(readHeader(headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const structured = parseRateLimitStructured(readHeader(headers, 'ratelimit'));
  if (structured !== undefined) return structured;
  for (const name of RESET_HEADERS) {
    const reset = parseRateLimitReset(readHeader(headers, name), now);
    if (reset !== undefined) return reset;
  }
  const after = readHeader(headers, 'x-ratelimit-reset-after');
  if (after !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(after)) return clampMs(Number(after) * 1000);
  return undefined;
}

function clampMs(ms: number): number {
  if (!Number.isFinite(ms)) return ms > 0 ? MAX_TIMER_MS : 0;
  if (ms <= 0) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}
