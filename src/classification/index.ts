// faultline/classification: the classifier and the header parsers every signal relies on,
// for code that classifies responses it did not get through a faultline client.
export type { Failure, FailureKind, FailurePhase, HeadersLike, ResponseLike } from '../types/failure.js';
export { isFailureKind } from '../core/failureKinds.js';
export { classify } from './classify.js';
export { parseRateLimitReset, parseRetryAfter, retryAfterFromHeaders } from './retryAfter.js';
export { type AuthChallenge, parseWwwAuthenticate } from './wwwAuthenticate.js';
