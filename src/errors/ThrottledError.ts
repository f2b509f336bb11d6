import { RequestFailure } from './RequestFailure.js';

/** HTTP 429, or 503 with Retry-After: the upstream asked us to slow down; see `retryAfterMs`. */
export class ThrottledError extends RequestFailure {
  override name = 'ThrottledError' as const;
}
