import { createRequestFailure } from '../errors/createRequestFailure.js';
import type { RequestFailure } from '../errors/RequestFailure.js';
import { createLazyResponse } from '../transport/LazyResponse.js';
import type { Failure } from '../types/failure.js';
import type { AttemptResult } from './attemptOnce.js';
import { withoutSecrets } from './callSecrets.js';
import type { Call } from './prepareCall.js';

/** The Response handed to the caller; a streamed body keeps the call's deadline until read. */
export function responseOf(call: Call, result: AttemptResult, attempts: number): Response {
  const response = result.response!;
  const { control } = call;
  const body = result.failureBody ?? response.body;
  if (result.failureBody === undefined) response.body.once('close', () => control.finish());
  return createLazyResponse(
    response.statusCode,
    response.statusText,
    response.headers,
    body,
    call.method,
    result.href ?? call.target.href,
    (error) =>
      failureError(
        call,
        { failure: withoutSecrets(call, control.failureOf(error, call.config.clock.now())) },
        attempts,
      ),
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
