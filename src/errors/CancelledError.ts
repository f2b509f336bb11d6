import { RequestFailure } from './RequestFailure.js';

/** The caller's own AbortSignal ended the call. Never reported as an error. */
export class CancelledError extends RequestFailure {
  override name = 'CancelledError' as const;
}
