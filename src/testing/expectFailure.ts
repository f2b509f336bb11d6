import { AssertionError } from 'node:assert';
import { isFailureKind } from '../core/failureKinds.js';
import { isRequestFailure, type RequestFailure } from '../errors/RequestFailure.js';
import { ATTR } from '../signals/attributes.js';
import type { FailureKind } from '../types/failure.js';

/** A failure as one signal told it, in the vocabulary: what the assertions compare. */
export interface ToldFailure {
  /** Which signal told it. */
  readonly signal: 'sentry' | 'log' | 'span' | 'error';
  readonly kind: FailureKind;
  readonly upstream?: string;
  readonly status?: number;
  /** `error.type`: the status as text, or the system / undici code. */
  readonly code?: string;
  readonly method?: string;
  readonly route?: string;
  /** The Sentry event's or log line's level. */
  readonly level?: string;
  /** The event, line, span or error it was read from. */
  readonly source: unknown;
}

/** What to look for: every field given must equal the told failure's. */
export type FailureMatch = Partial<Omit<ToldFailure, 'source'>>;

/**
 * The failures told by signals, in the vocabulary: accepts Sentry events (tags and
 * fingerprint), log lines and spans (`faultline.*` and semantic-convention attributes) and
 * `RequestFailure`s, mixed; anything that tells no failure (a success, a debug line) is skipped.
 */
export function failuresIn(items: Iterable<unknown>): ToldFailure[] {
  const told: ToldFailure[] = [];
  for (const item of items) {
    const failure = readFailure(item);
    if (failure !== undefined) told.push(failure);
  }
  return told;
}

/**
 * Asserts that some signal in `items` told a failure matching `match`, and returns it;
 * throws an `AssertionError` listing what was told instead (works under node:test,
 * vitest and jest alike).
 *
 * @example
 * ```ts
 * await signals.flush();
 * expectFailure(signals.events, { kind: 'throttled', upstream: 'payments', status: 429 });
 * expectFailure(signals.logs, { kind: 'throttled', level: 'warn' });
 * expectFailure(signals.spans, { kind: 'throttled', code: '429' });
 * ```
 */
export function expectFailure(items: Iterable<unknown>, match: FailureMatch): ToldFailure {
  const told = failuresIn(items);
  const found = told.find((failure) => matches(failure, match));
  if (found !== undefined) return found;
  throw new AssertionError({
    message: `expected a failure matching ${describe(match)}, ${told.length === 0 ? 'but none was told' : `but ${told.length} told:\n${told.map((failure) => `  - ${describe(plain(failure))}${differences(failure, match)}`).join('\n')}`}`,
    actual: told.map(plain),
    expected: match,
    operator: 'expectFailure',
    stackStartFn: expectFailure,
  });
}

/** Asserts that exactly `count` failures in `items` match `match`; returns them. */
export function expectFailures(items: Iterable<unknown>, match: FailureMatch, count: number): ToldFailure[] {
  const told = failuresIn(items);
  const found = told.filter((failure) => matches(failure, match));
  if (found.length === count) return found;
  throw new AssertionError({
    message: `expected ${count} failure(s) matching ${describe(match)}, found ${found.length} among:\n${told.map((failure) => `  - ${describe(plain(failure))}`).join('\n') || '  (none told)'}`,
    actual: found.length,
    expected: count,
    operator: 'expectFailures',
    stackStartFn: expectFailures,
  });
}

/** Asserts that no failure in `items` matches `match` (by default: no failure at all). */
export function expectNoFailure(items: Iterable<unknown>, match: FailureMatch = {}): void {
  const found = failuresIn(items).filter((failure) => matches(failure, match));
  if (found.length === 0) return;
  throw new AssertionError({
    message: `expected no failure matching ${describe(match)}, but ${found.length} told:\n${found.map((failure) => `  - ${describe(plain(failure))}`).join('\n')}`,
    actual: found.map(plain),
    expected: [],
    operator: 'expectNoFailure',
    stackStartFn: expectNoFailure,
  });
}

/**
 * Awaits a call that must fail, asserts that its `RequestFailure` matches `match`, and
 * returns the error for further checks.
 *
 * @example
 * ```ts
 * const error = await expectCallFailure(payments.get('/v1/charges/42'), { kind: 'timeout' });
 * assert.equal(error.attempts, 3);
 * ```
 */
export async function expectCallFailure(
  call: Promise<unknown> | (() => Promise<unknown>),
  match: Omit<FailureMatch, 'signal' | 'level' | 'upstream'> = {},
): Promise<RequestFailure> {
  let value: unknown;
  try {
    value = await (typeof call === 'function' ? call() : call);
  } catch (error) {
    if (!isRequestFailure(error))
      throw new AssertionError({
        message: `expected a RequestFailure, got ${String(error)}`,
        actual: error,
        expected: match,
        operator: 'expectCallFailure',
      });
    const told = readFailure(error)!;
    if (!matches(told, match))
      throw new AssertionError({
        message: `expected the call to fail with ${describe(match)}, it failed with ${describe(plain(told))}${differences(told, match)}`,
        actual: plain(told),
        expected: match,
        operator: 'expectCallFailure',
      });
    return error;
  }
  throw new AssertionError({
    message: `expected the call to fail with ${describe(match)}, it resolved with ${String(value)}`,
    actual: value,
    expected: match,
    operator: 'expectCallFailure',
  });
}

function matches(failure: ToldFailure, match: FailureMatch): boolean {
  return Object.entries(match).every(
    ([key, value]) => value === undefined || failure[key as keyof FailureMatch] === value,
  );
}

function plain(failure: ToldFailure): FailureMatch {
  const { source: _source, ...rest } = failure;
  return rest;
}

function describe(value: FailureMatch): string {
  const fields = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{ ${fields.map(([key, v]) => `${key}: ${JSON.stringify(v)}`).join(', ')} }`;
}

function differences(failure: ToldFailure, match: FailureMatch): string {
  const keys = Object.keys(match).filter(
    (key) => match[key as keyof FailureMatch] !== failure[key as keyof FailureMatch],
  );
  return keys.length === 0 ? '' : ` (differs in ${keys.join(', ')})`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
const numberOf = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** Reads one item as a told failure: a RequestFailure, a Sentry event, a span, or a log line. */
function readFailure(item: unknown): ToldFailure | undefined {
  if (isRequestFailure(item))
    return told('error', item.kind, { status: item.status, code: item.code, method: item.method }, item);
  if (!isRecord(item)) return undefined;
  // A Sentry event: faultline's tags, and the route from its fingerprint.
  if (isRecord(item['tags']) && 'event_id' in item) {
    const tags = item['tags'];
    const fingerprint = Array.isArray(item['fingerprint']) ? (item['fingerprint'] as unknown[]) : [];
    return told(
      'sentry',
      tags[ATTR.FAILURE_KIND],
      {
        upstream: text(tags[ATTR.UPSTREAM]),
        // The stable keys, else the older names (an event stored by an earlier version).
        status: numberOf(tags[ATTR.HTTP_RESPONSE_STATUS_CODE] ?? tags['http.status_code']),
        method: text(tags[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] ?? tags[ATTR.HTTP_REQUEST_METHOD] ?? tags['http.method']),
        route: fingerprint[0] === 'faultline' ? text(fingerprint[3]) : undefined,
        level: text(item['level']),
      },
      item,
    );
  }
  // A span (its attributes and no level) or a log line (its fields and a level).
  const isSpan = isRecord(item['attributes']) && 'spanContext' in item;
  const fields = isSpan ? (item['attributes'] as Record<string, unknown>) : item;
  return told(
    isSpan ? 'span' : 'log',
    fields[ATTR.FAILURE_KIND],
    {
      upstream: text(fields[ATTR.UPSTREAM]),
      status: numberOf(fields[ATTR.HTTP_RESPONSE_STATUS_CODE]),
      code: text(fields[ATTR.ERROR_TYPE]),
      method: text(fields[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] ?? fields[ATTR.HTTP_REQUEST_METHOD]),
      route: text(fields[ATTR.ROUTE]),
      level: isSpan ? undefined : text(item['level']),
    },
    item,
  );
}

function told(
  signal: ToldFailure['signal'],
  kind: unknown,
  fields: Record<string, string | number | undefined>,
  source: unknown,
): ToldFailure | undefined {
  if (typeof kind !== 'string' || !isFailureKind(kind)) return undefined;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { signal, kind, ...defined, source };
}
