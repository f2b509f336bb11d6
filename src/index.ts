// faultline's public API, curated by hand and grouped by concept (as ky does): types as
// types, then the values users call or test against. Internal pieces (the pipeline, the
// guarded adapters, the transport, the individual signals) are deliberately not exported:
// they change without notice.

// The failure vocabulary and classification
export type { Failure, FailureKind, FailurePhase, HeadersLike, ResponseLike } from './types/failure.js';
export { FAILURE_KINDS, isFailureKind } from './core/failureKinds.js';
export { classify } from './classification/classify.js';
export { parseRateLimitReset, parseRetryAfter, retryAfterFromHeaders } from './classification/retryAfter.js';
export { type AuthChallenge, parseWwwAuthenticate } from './classification/wwwAuthenticate.js';

// Errors: one class per kind
export { isRequestFailure, RequestFailure, type RequestFailureInit } from './errors/RequestFailure.js';
export { CancelledError } from './errors/CancelledError.js';
export { CircuitOpenError } from './errors/CircuitOpenError.js';
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
export type {
  Client,
  ClientOptions,
  Clock,
  DispatcherLike,
  HeadersInput,
  LogSamplingOptions,
  ReportOptions,
  RequestBody,
  RequestOptions,
} from './types/client.js';
export type {
  ConsoleStyleLogger,
  FaultlineLogger,
  LogFields,
  PinoStyleLogger,
  WinstonStyleLogger,
} from './types/logger.js';
export type { Fallback, FallbackAnswer, FallbackContext, FallbackOptions } from './types/fallback.js';
export { createClient } from './client/createClient.js';
export { createFetch, type FetchFunction } from './client/createFetch.js';
export { systemClock } from './core/clock.js';

// Retry policies and the state they keep
export type {
  AttemptContext,
  RetryContext,
  RetryDecision,
  RetryStrategy,
  RetryVerdict,
  SuccessContext,
} from './types/strategies.js';
export { type ExponentialBackoffOptions, exponentialBackoff, type Jitter } from './policies/exponentialBackoff.js';
export { noRetry } from './policies/noRetry.js';
export {
  type BudgetRecord,
  type RetryBudgetOptions,
  type RetryBudgetStrategy,
  retryBudget,
} from './policies/retryBudget.js';
export {
  type CircuitBreakerOptions,
  type CircuitBreakerStrategy,
  type CircuitRecord,
  type CircuitState,
  type CircuitStateChange,
  circuitBreaker,
} from './policies/circuitBreaker.js';
export { hedge } from './policies/hedge.js';
export type { HedgeOptions, HedgePercentileDelay, HedgePolicy } from './types/hedge.js';
export { memoryStore, type StateStore } from './policies/stateStore.js';
export { type ThrottleGate, type ThrottleRecord, throttleGate } from './policies/throttleGate.js';
export { sharedState, type SharedStateOptions } from './shared/sharedState.js';
export type { SharedState } from './types/shared.js';

// Auth
export type { AuthContext, AuthStrategy, UnauthorizedContext } from './types/auth.js';
export { basicAuth } from './auth/basicAuth.js';
export { type BearerTokenOptions, bearerToken } from './auth/bearerToken.js';
export { type HmacAuthOptions, hmacAuth, hmacSignature } from './auth/hmacAuth.js';

// Signals and observers
export type {
  AttemptOutcome,
  AttemptScope,
  CallInfo,
  CallOutcome,
  DeadlineSource,
  HedgeMark,
  RequestObserver,
} from './types/observers.js';
export type { SpanEndInfo, SpanHooks, SpanStartInfo } from './types/spanHooks.js';
export { createSignalsObserver, type SignalsOptions } from './signals/createSignalsObserver.js';
export { createLogger, type LoggerOptions, traceContextFormat } from './signals/logs/createLogger.js';
export { createDiagnostics, type Diagnostics, type DiagnosticsSink } from './core/diagnostics.js';

// Redaction
export {
  createRedactor,
  DEFAULT_REDACTED_HEADERS,
  DEFAULT_REDACTED_QUERY,
  REDACTED,
  type Redactor,
  type RedactorOptions,
} from './redaction/Redactor.js';

// Configuration and start-up
export { DEFAULTS } from './core/defaults.js';
export { type EnvConfig, FAULTLINE_VARIABLES, readEnvConfig } from './config/envConfig.js';
export { type FaultlineRuntime, type InitOptions, init } from './runtime/init.js';
