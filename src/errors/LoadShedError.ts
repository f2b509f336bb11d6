import { RequestFailure } from './RequestFailure.js';

/**
 * A load-shedding policy refused the call without sending it: the calls in flight were at
 * the upstream's estimated capacity (`adaptiveConcurrency`), or the upstream has been
 * rejecting most calls (`adaptiveThrottle`). Its `code` says which.
 */
export class LoadShedError extends RequestFailure {
  override name = 'LoadShedError' as const;
}
