import { RequestFailure } from './RequestFailure.js';

/** HTTP 5xx other than those that mean throttling or timeout. */
export class ServerError extends RequestFailure {
  override name = 'ServerError' as const;
}
