import { RequestFailure } from './RequestFailure.js';

/** An attempt or total deadline passed (see `phase`), or HTTP 408/504. */
export class TimeoutError extends RequestFailure {
  override name = 'TimeoutError' as const;
}
