import { RequestFailure } from './RequestFailure.js';

/** The body could not be parsed as promised (bad JSON) or its length was wrong. */
export class InvalidResponseError extends RequestFailure {
  override name = 'InvalidResponseError' as const;
}
