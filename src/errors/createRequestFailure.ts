import type { FailureKind } from '../types/failure.js';
import { CancelledError } from './CancelledError.js';
import { CircuitOpenError } from './CircuitOpenError.js';
import { ClientError } from './ClientError.js';
import { ForbiddenError } from './ForbiddenError.js';
import { InvalidResponseError } from './InvalidResponseError.js';
import { LoadShedError } from './LoadShedError.js';
import { NetworkError } from './NetworkError.js';
import type { RequestFailure, RequestFailureInit } from './RequestFailure.js';
import { ServerError } from './ServerError.js';
import { ThrottledError } from './ThrottledError.js';
import { TimeoutError } from './TimeoutError.js';
import { UnauthorizedError } from './UnauthorizedError.js';

const CLASSES: Readonly<Record<FailureKind, new (init: RequestFailureInit) => RequestFailure>> = {
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  throttled: ThrottledError,
  timeout: TimeoutError,
  network: NetworkError,
  server: ServerError,
  client: ClientError,
  invalid_response: InvalidResponseError,
  cancelled: CancelledError,
  circuit_open: CircuitOpenError,
  load_shed: LoadShedError,
};

/** Builds the {@link RequestFailure} subclass that matches the failure's kind. */
export function createRequestFailure(init: RequestFailureInit): RequestFailure {
  return new CLASSES[init.failure.kind](init);
}
