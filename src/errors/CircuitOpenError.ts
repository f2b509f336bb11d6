import { RequestFailure } from './RequestFailure.js';

/** A circuit breaker refused the attempt without sending it. */
export class CircuitOpenError extends RequestFailure {
  override name = 'CircuitOpenError' as const;
}
