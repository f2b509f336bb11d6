import { createRequestFailure } from '../errors/createRequestFailure.js';
import type { RequestFailure } from '../errors/RequestFailure.js';
import { createLazyResponse } from '../transport/LazyResponse.js';
import { streamOf } from '../transport/bufferWithDeadline.js';
import type { Failure } from '../types/failure.js';
import type { AttemptResult } from './attemptOnce.js';
import { bodyFailure } from './followBody.js';
import type { Call } from './prepareCall.js';

/**
 * The Response handed to the caller, over the body already read for a failure, else over
 * undici's stream (whoever hands that over follows it: see `followBody`).
 */
export function responseOf(call: Call, result: AttemptResult, attempts: number): Response {
  const response = result.response!;
  // A body read whole was read for a failure: only then is a Response made of it.
  const body = result.failureBody ?? streamOf(response) ?? new Uint8Array(0);
  return createLazyResponse(
    response.statusCode,
    response.statusText,
    response.headers,
    body,
    call.method,
    result.href ?? call.target.href,
    (error) => failureError(call, { failure: bodyFailure(call, error) }, attempts),
  );
}

/** The RequestFailure subclass of the failure's kind, with its response built on demand. */
export function failureError(
  call: Call,
  result: AttemptResult & { failure: Failure },
  attempts: number,
): RequestFailure {
  return createRequestFailure({
    failure: result.failure,
    method: call.method,
    url: call.info.url,
    attempts,
    upstream: call.info.upstream,
    ...(result.failure.phase === 'total' && call.info.deadlineSource !== undefined
      ? { deadlineSource: call.info.deadlineSource }
      : {}),
    // Built on first access: most errors are never asked for their response.
    ...(result.response === undefined ? {} : { responseFactory: () => responseOf(call, result, attempts) }),
  });
}
