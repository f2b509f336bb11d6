import type { FailureKind } from '../types.js';

/** Every {@link FailureKind}, in the order the SPEC lists them. */
export const FAILURE_KINDS: readonly FailureKind[] = Object.freeze([
  'unauthorized',
  'forbidden',
  'throttled',
  'timeout',
  'network',
  'server',
  'client',
  'invalid_response',
  'cancelled',
  'circuit_open',
]);

const kindSet: ReadonlySet<string> = new Set(FAILURE_KINDS);

/** True when `value` is one of the {@link FAILURE_KINDS}. */
export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && kindSet.has(value);
}
