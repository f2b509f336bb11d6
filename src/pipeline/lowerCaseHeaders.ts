import type { HeadersInput } from '../types/client.js';

/** Headers in any HeadersInit shape, as a plain object with lower-case names. */
export function lowerCaseHeaders(init: HeadersInput | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers) {
    init.forEach((value, key) => {
      out[key] = value;
    });
    return out;
  }
  const pairs: Iterable<readonly [string, string]> = Array.isArray(init)
    ? (init as [string, string][])
    : Object.entries(init as Record<string, string>);
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    const name = key.toLowerCase();
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${String(value)}` : String(value);
  }
  return out;
}
