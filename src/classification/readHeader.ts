import type { HeadersLike } from '../types/failure.js';

/**
 * Reads one header from any of the shapes Node's clients use (WHATWG Headers, axios'
 * AxiosHeaders, node:http's plain object, undici's raw object, pairs). Returns the
 * values joined with ", ", or undefined. Never throws: hostile objects read as absent.
 */
export function readHeader(headers: HeadersLike | undefined | null, name: string): string | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  try {
    const lower = name.toLowerCase();
    const getter = (headers as { get?: unknown }).get;
    if (typeof getter === 'function') {
      return normalize(getter.call(headers, lower));
    }
    if (Symbol.iterator in headers && !isPlainRecord(headers)) {
      const found: string[] = [];
      for (const pair of headers as Iterable<readonly [unknown, unknown]>) {
        if (Array.isArray(pair) && String(pair[0]).toLowerCase() === lower) {
          const value = normalize(pair[1]);
          if (value !== undefined) found.push(value);
        }
      }
      return found.length > 0 ? found.join(', ') : undefined;
    }
    const record = headers as Record<string, unknown>;
    const direct = record[lower];
    if (direct !== undefined) return normalize(direct);
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === lower) return normalize(record[key]);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function isPlainRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function normalize(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const parts = value.filter((v) => typeof v === 'string' || typeof v === 'number');
    return parts.length > 0 ? parts.join(', ') : undefined;
  }
  return undefined;
}
