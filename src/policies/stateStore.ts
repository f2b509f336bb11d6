import type { StateStore } from '../types/policy.js';

export type { StateStore };

/** Keys one in-memory store keeps before it forgets the least recently written. */
const DEFAULT_MAX_KEYS = 10_000;

/**
 * A store in this process's memory, bounded so that keys made from unbounded values (a
 * misconfigured upstream name per URL) cannot grow without end.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ store: memoryStore() });
 * ```
 */
export function memoryStore<T>(maxKeys: number = DEFAULT_MAX_KEYS): StateStore<T> {
  const entries = new Map<string, T>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxKeys) entries.delete(entries.keys().next().value as string);
    },
  };
}
