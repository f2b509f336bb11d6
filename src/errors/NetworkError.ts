import { RequestFailure } from './RequestFailure.js';

/** The connection failed: DNS, refused, reset, closed, TLS, premature close. */
export class NetworkError extends RequestFailure {
  override name = 'NetworkError' as const;
}
