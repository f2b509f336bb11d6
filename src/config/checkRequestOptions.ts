import { ConfigError } from '../errors/ConfigError.js';
import type { RequestOptions } from '../types/client.js';
import { dispatcher, policies, timeout } from './clientOptionChecks.js';
import { MOVED_REQUEST_OPTIONS } from './movedOptions.js';
import { boolean, type Check, group, headers, oneOf, shown } from './optionChecks.js';

/** `RequestInit` members fetch knows and faultline does not use: accepted as they are. */
type IgnoredInitKey =
  | 'cache'
  | 'credentials'
  | 'duplex'
  | 'integrity'
  | 'keepalive'
  | 'mode'
  | 'priority'
  | 'referrer'
  | 'referrerPolicy'
  | 'window';

// undici's rule for a method: an RFC 9110 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const BODY =
  'a string, Uint8Array, ArrayBuffer, URLSearchParams, FormData, Blob, stream or async iterable (json: for a value)';

/**
 * Every per-call option faultline reads and what it accepts: the one place
 * {@link RequestOptions} are checked. The mapped type makes leaving one out a compile error.
 */
export const REQUEST_OPTION_CHECKS: { readonly [K in Exclude<keyof RequestOptions, IgnoredInitKey>]-?: Check } = {
  headers,
  method: (value, option) => {
    if (typeof value !== 'string' || !TOKEN.test(value))
      throw new ConfigError(option, shown(value), 'is not an HTTP method', 'a method such as GET or POST (a token)');
  },
  body: (value, option) => {
    if (!isBody(value)) throw new ConfigError(option, shown(value), 'is not a request body', BODY);
  },
  json: (value, option) => {
    // What JSON.stringify would turn into no body at all; deeper trouble (a BigInt inside,
    // a cycle) is found when the body is written, and is a ConfigError too.
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
      throw new ConfigError(option, shown(value), 'cannot be written as JSON', 'a value JSON.stringify can write');
  },
  timeout,
  resilience: policies,
  transport: group({ dispatcher }, '{ dispatcher }'),
  idempotent: boolean,
  route: (value, option) => {
    if (typeof value !== 'string')
      throw new ConfigError(option, shown(value), 'is not a string', 'a URL template such as /v1/charges/{id}');
  },
  throwHttpErrors: boolean,
  redirect: oneOf('follow', 'manual', 'error'),
  signal: (value, option) => {
    if (value !== null && !(value instanceof AbortSignal))
      throw new ConfigError(option, shown(value), 'is not an AbortSignal', 'an AbortSignal, or null');
  },
};

const CHECKS: ReadonlyMap<string, Check> = new Map(Object.entries(REQUEST_OPTION_CHECKS));
const KEYS = [...CHECKS.keys()];
const MOVED_KEYS = Object.keys(MOVED_REQUEST_OPTIONS);

/**
 * Checks a call's options before anything is sent. On the hot path: only the keys the
 * caller gave are looked at (a plain object's own keys; every known key of anything else,
 * whose getters may live on a prototype), and a good value costs no allocation.
 *
 * @throws {ConfigError} naming the first wrong option.
 */
export function checkRequestOptions(init: unknown): void {
  if (init === undefined || init === null) return;
  if (typeof init !== 'object')
    throw new ConfigError('init', shown(init), 'is not an object', 'an object of request options, as fetch takes');
  const proto: unknown = Object.getPrototypeOf(init);
  if (proto === Object.prototype || proto === null) {
    for (const key in init) checkOne(init, key);
  } else {
    for (const key of KEYS) checkOne(init, key);
    // An option of 0.1 may sit on a class's prototype as well: refused all the same.
    for (const key of MOVED_KEYS) if (key in init) checkOne(init, key);
  }
}

function checkOne(init: object, key: string): void {
  const check = CHECKS.get(key);
  if (check === undefined) {
    // Only an option of 0.1 is an error among the keys faultline does not know.
    const moved = MOVED_REQUEST_OPTIONS[key];
    if (moved !== undefined && Object.prototype.hasOwnProperty.call(MOVED_REQUEST_OPTIONS, key))
      throw new ConfigError(key, 'given', 'moved in 0.2 (see the CHANGELOG: Migrating from 0.1)', moved);
    return;
  }
  let value: unknown;
  try {
    value = (init as Record<string, unknown>)[key];
  } catch {
    throw new ConfigError(key, 'a getter', 'could not be read (its getter threw)', 'a plain value');
  }
  if (value !== undefined) check(value, key);
}

function isBody(value: unknown): boolean {
  if (value === null || typeof value === 'string') return true;
  if (typeof value !== 'object') return false;
  return (
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    value instanceof URLSearchParams ||
    value instanceof FormData ||
    value instanceof Blob ||
    typeof (value as { getReader?: unknown }).getReader === 'function' ||
    (typeof (value as { pipe?: unknown }).pipe === 'function' &&
      typeof (value as { on?: unknown }).on === 'function') ||
    Symbol.asyncIterator in value
  );
}
