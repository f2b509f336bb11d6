import { checkRequestOptions } from '../config/checkRequestOptions.js';
import { ConfigError } from '../errors/ConfigError.js';
import { lowerCaseHeaders } from './lowerCaseHeaders.js';
import { semconvMethod } from '../core/semconvMethod.js';
import { templatePath } from '../core/templatePath.js';
import { NO_BODY, type PreparedBody, prepareBody } from '../transport/prepareBody.js';
import type { DispatcherLike, RequestOptions } from '../types/client.js';
import type { Resilience } from '../policies/composePolicies.js';
import type { CallInfo } from '../types/observers.js';
import { CallControl } from './CallControl.js';
import { callerBudget } from './callerBudget.js';
import type { PipelineConfig } from './PipelineConfig.js';
import { resolveTarget, type Target } from './resolveTarget.js';

/** What a call returns: the Response, or (for `json()`) the parsed body. */
export type CallMode = 'response' | 'json';

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Everything that stays the same across the attempts of one call. */
export interface Call {
  readonly config: PipelineConfig;
  readonly mode: CallMode;
  readonly method: string;
  readonly target: Target;
  readonly headers: Record<string, string>;
  readonly body: PreparedBody;
  /** Idempotent (or opted in) and a body that can be sent again. */
  readonly replayable: boolean;
  /** The call's policies: the client's, or the call's own list. */
  readonly resilience: Resilience;
  readonly attemptTimeoutMs: number;
  readonly followRedirects: boolean;
  /** `redirect: 'error'`: a redirect status fails the call. */
  readonly rejectRedirects: boolean;
  /** The call's own dispatcher, if it has one. */
  readonly dispatcher: DispatcherLike | undefined;
  /** Return a failed HTTP response instead of throwing. */
  readonly returnHttpErrors: boolean;
  /** The total deadline on the client's clock (Infinity without one). */
  readonly deadline: number;
  readonly control: CallControl;
  readonly info: CallInfo;
}

/**
 * Resolves the target, headers, body and deadlines of one call. Synchronous unless the
 * call has a body to read first (a Blob, FormData or stream to buffer or inspect).
 */
export function prepareCall(
  config: PipelineConfig,
  /** The verb, or '' to take `init.method` (default GET). */
  rawMethod: string,
  path: string | URL,
  init: RequestOptions | undefined,
  mode: CallMode,
): Call | Promise<Call> {
  // Before anything is sent or told: a wrong option is the caller's ConfigError, not an
  // upstream failure (and a bad timeout must not switch the deadline off).
  if (init !== undefined) checkRequestOptions(init);
  const method = (rawMethod === '' ? (init?.method ?? 'GET') : rawMethod).toUpperCase();
  const target = resolveTarget(config, path);
  const headers =
    init?.headers === undefined
      ? { ...config.baseHeaders }
      : { ...config.baseHeaders, ...lowerCaseHeaders(init.headers) };
  if (target.authorization !== undefined && headers['authorization'] === undefined)
    headers['authorization'] = target.authorization;
  if (mode === 'json' && headers['accept'] === undefined) headers['accept'] = 'application/json';
  const budget = callerBudget(init?.timeout?.totalMs ?? config.timeoutMs, init?.signal, headers);
  const { timeoutMs } = budget;
  const startedAt = config.clock.now();
  const dispatcher = init?.transport?.dispatcher;
  const protocolVersion = config.transport.protocolVersion?.(dispatcher);
  const replayable = init?.idempotent ?? IDEMPOTENT_METHODS.has(method);
  const call: Call = {
    config,
    mode,
    method,
    target,
    headers,
    body: NO_BODY,
    replayable,
    resilience: init?.resilience === undefined ? config.resilience : config.resilienceFor(init.resilience),
    attemptTimeoutMs: init?.timeout?.attemptMs ?? config.attemptTimeoutMs,
    followRedirects: config.maxRedirects > 0 && init?.redirect !== 'manual' && init?.redirect !== 'error',
    rejectRedirects: init?.redirect === 'error',
    dispatcher,
    returnHttpErrors: init?.throwHttpErrors === false,
    deadline: timeoutMs > 0 ? startedAt + timeoutMs : Number.POSITIVE_INFINITY,
    control: new CallControl(budget.signal, timeoutMs),
    info: {
      upstream: config.name,
      method,
      requestMethod: semconvMethod(method),
      url: config.redactor.url(target.href),
      serverAddress: target.hostname,
      serverPort: target.port,
      route: init?.route ?? templatePath(target.path),
      template: init?.route,
      protocolVersion,
      startedAt,
      ...(budget.source === undefined ? {} : { deadlineSource: budget.source }),
    },
  };
  if (init?.json === undefined && (init?.body === undefined || init.body === null)) return call;
  return prepareBody(init.body, init.json).then(
    (body) => {
      const { contentType } = body;
      if (contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = contentType;
      return body.replayable ? { ...call, body } : { ...call, body, replayable: false };
    },
    init.json === undefined ? undefined : unwritableJson,
  );
}

/** JSON.stringify refused the `json` value (a BigInt, a cycle): the caller's ConfigError. */
function unwritableJson(error: unknown): never {
  if (!(error instanceof TypeError)) throw error;
  throw new ConfigError(
    'json',
    'a value',
    `cannot be written as JSON (${error.message})`,
    'a value JSON.stringify can write',
  );
}
