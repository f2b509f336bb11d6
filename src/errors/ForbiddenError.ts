import { RequestFailure } from './RequestFailure.js';

/** HTTP 403: the credentials were accepted but do not allow this. */
export class ForbiddenError extends RequestFailure {
  override name = 'ForbiddenError' as const;
}
