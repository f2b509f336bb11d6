import { readHeader } from '../classification/readHeader.js';
import { type AuthChallenge, parseWwwAuthenticate } from '../classification/wwwAuthenticate.js';
import { RequestFailure, type RequestFailureInit } from './RequestFailure.js';

/** HTTP 401: the credentials were missing, wrong or expired. `challenges` holds the parsed WWW-Authenticate header. */
export class UnauthorizedError extends RequestFailure {
  override name = 'UnauthorizedError' as const;
  /** The challenges of the response's WWW-Authenticate header (scheme and params such as `realm`). */
  readonly challenges: readonly AuthChallenge[];

  constructor(init: RequestFailureInit) {
    super(init);
    this.challenges = parseWwwAuthenticate(readHeader(this.response?.headers, 'www-authenticate'));
  }
}
