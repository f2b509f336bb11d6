import { RequestFailure } from './RequestFailure.js';

/** HTTP 4xx other than 401, 403, 408 and 429. */
export class ClientError extends RequestFailure {
  override name = 'ClientError' as const;
}
