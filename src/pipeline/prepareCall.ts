import { checkRequestOptions } from '../config/checkRequestOptions.js';
import { ConfigError } from '../errors/ConfigError.js';
import { lowerCaseHeaders } from './lowerCaseHeaders.js';
import { semconvMethod } from '../core/semconvMethod.js';
import { templatePath } from '../core/templatePath.js';
import { guardStrategy, type GuardedStrategy } from '../guarded/guardStrategy.js';
import { NO_BODY, type PreparedBody, prepareBody } from '../transport/prepareBody.js';
import type { DispatcherLike, RequestOptions } from '../types/client.js';
import type { HedgePolicy } from '../types/hedge.js';
import { guardHedge } from '../guarded/guardHedge.js';
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
  readonly strategy: GuardedStrategy;
  /** Hedging, for a replayable call with hedges allowed; undefined otherwise (the common case). */
  readonly hedge: HedgePolicy | undefined;
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
  const budget = callerBudget(init?.timeoutMs ?? config.timeoutMs, init?.signal, headers);
  const { timeoutMs } = budget;
  const startedAt = config.clock.now();
  const protocolVersion = config.transport.protocolVersion?.(init?.dispatcher);
  const replayable = init?.idempotent ?? IDEMPOTENT_METHODS.has(method);
  const call: Call = {
    config,
    mode,
    method,
    target,
    headers,
    body: NO_BODY,
    replayable,
    strategy: init?.retry === undefined ? config.retry : guardStrategy(init.retry, config.diagnostics),
    hedge: replayable ? hedgeOf(config, init) : undefined,
    attemptTimeoutMs: init?.attemptTimeoutMs ?? config.attemptTimeoutMs,
    followRedirects: config.maxRedirects > 0 && init?.redirect !== 'manual' && init?.redirect !== 'error',
    rejectRedirects: init?.redirect === 'error',
    dispatcher: init?.dispatcher,
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
      return body.replayable ? { ...call, body } : { ...call, body, replayable: false, hedge: undefined };
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

/** The call's hedging: its own option, else the client's; none that allows no hedge. */
function hedgeOf(config: PipelineConfig, init: RequestOptions | undefined): HedgePolicy | undefined {
  const own = init?.hedge;
  if (own === false) return undefined;
  // The client's policy was guarded when the client was built; a call's own is guarded here.
  const policy = own === undefined ? config.hedge : guardHedge(own, config.diagnostics);
  return policy === undefined || policy.maxHedges < 1 ? undefined : policy;
}
