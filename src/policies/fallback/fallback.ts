import { DEFAULTS } from '../../core/defaults.js';
import { FAILURE_KINDS, type FailureKind, isFailureKind } from '../../core/failureKinds.js';
import { isResponseLike } from '../../core/isResponseLike.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { isPromiseLike } from '../../core/promises.js';
import type { Answer, Policy } from '../../types/policy.js';
import type { FallbackAnswer, FallbackOptions } from './FallbackOptions.js';

/**
 * An answer for the caller when the upstream is unwell, instead of throwing: a constant
 * `value`, or an `answer` function (sync or async), for the kinds in `on`. `json()`
 * resolves to the answer; the Response methods and `createFetch` get a Response the
 * function returns, or the value as a JSON Response (status 200, header
 * `x-faultline-fallback: true`). The failure is still told by every signal, marked
 * `faultline.fallback: true`. Outermost in the list, it answers for what the policies
 * inside it gave up on. An answer that throws or rejects is reported and the original
 * failure is thrown; an async one is cut off at the call's total timeout.
 *
 * @example
 * ```ts
 * // Serve the last known rates while the upstream is down; a bad request still throws.
 * createClient({ baseUrl, resilience: [fallback({ on: ['timeout', 'network', 'server'], answer: () => cache.get('rates') }), retry()] });
 * ```
 */
export function fallback<T = unknown>(options: FallbackOptions<T>): Policy {
  const checked = checkFallback(options as FallbackOptions);
  const { kinds, answer } = checked;
  return {
    name: 'fallback',
    build: () => ({
      answer(failed): Answer | undefined | PromiseLike<Answer | undefined> {
        if (!kinds.has(failed.failure.kind)) return undefined;
        const value = answer(failed.failure, failed);
        return isPromiseLike(value) ? Promise.resolve(value).then(answered) : { value };
      },
    }),
    describe: () => `fallback(on=${[...kinds].join('|')})`,
  };
}

const answered = (value: unknown): Answer => ({ value });

/** The options checked and in one shape: the kinds answered for (never `cancelled`) and the answer. */
function checkFallback(options: FallbackOptions): { kinds: ReadonlySet<FailureKind>; answer: FallbackAnswer } {
  if (typeof options !== 'object' || options === null || !('value' in options || 'answer' in options)) {
    throw new ConfigError(
      'fallback',
      options,
      'is not a fallback',
      '{ value } or { answer }, each with an optional `on`',
    );
  }
  const kinds = kindsOf(options.on, 'fallback.on');
  const answer: unknown = 'answer' in options ? options.answer : undefined;
  if (answer !== undefined) {
    if (typeof answer !== 'function')
      throw new ConfigError('fallback.answer', typeof answer, 'is not a function', 'a function');
    return { kinds, answer: answer as FallbackAnswer };
  }
  const { value } = options;
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
