import { lazyRequire } from '../core/lazyRequire.js';

const undiciErrors = lazyRequire<typeof import('undici').errors>('undici/lib/core/errors.js');

/** Where an attempt's deadline caught it. */
export type AttemptPhase = 'connect' | 'headers' | 'body';

/**
 * The error an attempt deadline ends a request with: undici's own timeout error of that
 * phase (codes `UND_ERR_CONNECT_TIMEOUT`, `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`),
 * so that classification reads it as it reads undici's.
 */
export function attemptTimeoutError(phase: AttemptPhase, ms: number): Error {
  const errors = undiciErrors();
  switch (phase) {
    case 'connect':
      return new errors.ConnectTimeoutError(`The request did not reach a connection within ${ms} ms`);
    case 'headers':
      return new errors.HeadersTimeoutError(`No response headers within ${ms} ms`);
    case 'body':
      return new errors.BodyTimeoutError(`No response body data for ${ms} ms`);
  }
}
