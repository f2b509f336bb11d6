import type { Failure, HeadersLike, ResponseLike } from '../types/failure.js';
import { classifyError } from './classifyError.js';
import { classifyStatus } from './classifyStatus.js';

/**
 * Classifies a response or any thrown value into faultline's vocabulary.
 *
 * Given a `Response` (or any `{ status, headers }`), returns `null` for a success
 * (status below 400) and a {@link Failure} otherwise. Given a thrown value — fetch's
 * `TypeError` with its `cause`, undici errors, Node system errors,
 * `AbortError`/`TimeoutError` DOMExceptions, axios and got errors — returns its Failure.
 * Pure, and never throws.
 *
 * @example
 * ```ts
 * try {
 *   await axios.get(url);
 * } catch (error) {
 *   const failure = classify(error); // { kind: 'timeout', code: 'ECONNABORTED', ... }
 * }
 * ```
 */
export function classify(value: unknown, now: number = Date.now()): Failure | null {
  try {
    if (isResponseLike(value)) {
      return classifyStatus(value.status, value.headers as HeadersLike | undefined, now);
    }
    return classifyError(value, now);
  } catch (error) {
    return { kind: 'network', code: 'UNKNOWN', message: 'Unclassifiable failure', cause: error };
  }
}

function isResponseLike(value: unknown): value is ResponseLike {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Error) return false;
  const v = value as Record<string, unknown>;
  return typeof v['status'] === 'number' && !('code' in v) && !('stack' in v);
}
