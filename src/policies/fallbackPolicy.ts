import { DEFAULTS } from '../core/defaults.js';
import { FAILURE_KINDS, type FailureKind, isFailureKind } from '../core/failureKinds.js';
import { isResponseLike } from '../core/isResponseLike.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { Fallback, FallbackAnswer } from '../types/fallback.js';

/** A `fallback` option, checked and in one shape: the kinds it answers for and its answer. */
export interface FallbackPolicy {
  /** Never holds `cancelled`. */
  readonly kinds: ReadonlySet<FailureKind>;
  /** The user's function, or one that hands out the constant value. */
  readonly answer: FallbackAnswer;
}

/**
 * Checks a `fallback` option and brings it to one shape; undefined for `false`. `option`
 * names the option in a {@link ConfigError} (`fallback`, or `fallback.on`).
 *
 * @throws {ConfigError} for a value that is neither a function, `{ value }`, `{ answer }`
 * nor `false`, or an `on` that is not a list of failure kinds.
 */
export function fallbackPolicy(fallback: Fallback, option = 'fallback'): FallbackPolicy | undefined {
  if (fallback === false) return undefined;
  if (typeof fallback === 'function') return { kinds: kindsOf(undefined, option), answer: fallback };
  if (typeof fallback !== 'object' || fallback === null || !('value' in fallback || 'answer' in fallback)) {
    throw new ConfigError(
      option,
      fallback,
      'is not a fallback',
      'a function (failure, call) => answer, { value }, { answer } (each with an optional `on`), or false',
    );
  }
  const kinds = kindsOf(fallback.on, `${option}.on`);
  const answer: unknown = 'answer' in fallback ? fallback.answer : undefined;
  if (answer !== undefined) {
    if (typeof answer !== 'function')
      throw new ConfigError(`${option}.answer`, typeof answer, 'is not a function', 'a function');
    return { kinds, answer: answer as FallbackAnswer };
  }
  const { value } = fallback;
  if (isResponseLike(value)) return { kinds, answer: copiesOf(value) };
  return { kinds, answer: () => value };
}

/**
 * A fresh Response per call, from the given one's body read once. Not `clone()` per call:
 * each clone tees the body the next clone is made from, so the given Response would hold a
 * chain of every copy ever handed out — memory that grows with every answered call.
 */
function copiesOf(response: Response): FallbackAnswer {
  const { status, statusText } = response;
  const headers = [...response.headers];
  let body: Promise<ArrayBuffer> | undefined;
  return async () => {
    body ??= response.clone().arrayBuffer();
    const bytes = await body;
    return new Response(bytes.byteLength === 0 ? null : bytes, { status, statusText, headers });
  };
}

function kindsOf(on: unknown, option: string): ReadonlySet<FailureKind> {
  if (on === undefined) return new Set(DEFAULTS.fallbackOn);
  if (!Array.isArray(on) || !on.every(isFailureKind)) {
    throw new ConfigError(option, on, 'is not a list of failure kinds', `a list of ${FAILURE_KINDS.join(', ')}`);
  }
  // The caller who aborted is not waiting for an answer.
  return new Set((on as FailureKind[]).filter((kind) => kind !== 'cancelled'));
}
