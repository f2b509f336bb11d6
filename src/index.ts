// faultline's public API, curated by hand and grouped by concept (as ky does). About fifty
// names: what a service needs to make, tune and test its clients. Left out on purpose —
// reachable another way, or internal and free to change:
// - the grouped option types (`TimeoutOptions`, `TelemetryOptions`…): `ClientOptions['timeout']`;
// - the observer and span-hook detail types (`AttemptOutcome`, `CallInfo`, `SpanHooks`…):
//   `RequestObserver`'s parameters, and `ClientOptions['telemetry']`;
// - classification and the header parsers: `faultline/classification`;
// - the pipeline, the transport, the individual signals, the redactor, the logger factory,
//   the environment reader and the state stores' internals (`memoryStore`, `*Record`).

// The failure vocabulary
export type { Failure, FailureKind } from './types/failure.js';
export { FAILURE_KINDS } from './core/failureKinds.js';

// Errors: one class per kind
export { isRequestFailure, RequestFailure } from './errors/RequestFailure.js';
export { CancelledError } from './errors/CancelledError.js';
export { CircuitOpenError } from './errors/CircuitOpenError.js';
export { LoadShedError } from './errors/LoadShedError.js';
export { ClientError } from './errors/ClientError.js';
export { ForbiddenError } from './errors/ForbiddenError.js';
export { InvalidResponseError } from './errors/InvalidResponseError.js';
export { NetworkError } from './errors/NetworkError.js';
export { ServerError } from './errors/ServerError.js';
export { ThrottledError } from './errors/ThrottledError.js';
export { TimeoutError } from './errors/TimeoutError.js';
export { UnauthorizedError } from './errors/UnauthorizedError.js';
export { ConfigError } from './errors/ConfigError.js';

// The client
export type { Client, ClientOptions, RequestOptions } from './types/client.js';
export type { FaultlineLogger } from './types/logger.js';
export type { RequestObserver } from './types/observers.js';
export { createClient } from './client/createClient.js';
export { createFetch, type FetchFunction } from './client/createFetch.js';

// Resilience: one ordered list of policies
export type {
  AdmissionRequest,
  AttemptEnd,
  AttemptInfo,
  FailedAttempt,
  LimiterInfo,
  Permit,
  Policy,
  PolicyContext,
  PolicyHooks,
  Verdict,
} from './types/policy.js';
export { retry, type RetryOptions } from './policies/retry/retry.js';
export { type RetryBudgetOptions, retryBudget } from './policies/retryBudget/retryBudget.js';
export { type CircuitBreakerPolicy, circuitBreaker } from './policies/circuitBreaker/circuitBreaker.js';
export type { CircuitBreakerOptions } from './policies/circuitBreaker/CircuitBreakerOptions.js';
export type { CircuitState } from './policies/circuitBreaker/circuitRecord.js';
export { throttle } from './policies/throttle/throttle.js';
export {
  adaptiveConcurrency,
  type AdaptiveConcurrencyPolicy,
} from './policies/adaptiveConcurrency/adaptiveConcurrency.js';
export type { AdaptiveConcurrencyOptions } from './policies/adaptiveConcurrency/AdaptiveConcurrencyOptions.js';
export {
  type AdaptiveThrottleOptions,
  type AdaptiveThrottlePolicy,
  type AdaptiveThrottleRecovery,
  adaptiveThrottle,
} from './policies/adaptiveThrottle/adaptiveThrottle.js';
export { hedge } from './policies/hedging/hedge.js';
export type { HedgeOptions } from './policies/hedging/HedgeOptions.js';
export { fallback } from './policies/fallback/fallback.js';
export type { FallbackOptions } from './policies/fallback/FallbackOptions.js';
export { sharedState, type SharedStateOptions } from './shared/sharedState.js';
export type { SharedState } from './types/shared.js';

// Auth
export type { AuthStrategy } from './types/auth.js';
export { basicAuth } from './auth/basicAuth.js';
export { bearerToken } from './auth/bearerToken.js';
export { hmacAuth } from './auth/hmacAuth.js';

// Start-up
export { type FaultlineRuntime, type InitOptions, init } from './runtime/init.js';
