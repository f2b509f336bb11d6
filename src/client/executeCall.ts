import { classifyStatus } from '../classification/classifyStatus.js';
import { createRequestFailure } from '../errors/createRequestFailure.js';
import type { RequestFailure } from '../errors/RequestFailure.js';
import { normalizeDecision } from '../strategies/normalizeDecision.js';
import { type PreparedBody, prepareBody } from '../transport/prepareBody.js';
import { toResponse } from '../transport/toResponse.js';
import type { TransportResponse } from '../transport/undiciTransport.js';
import type { AttemptScope, CallInfo, Failure, RequestOptions, RetryVerdict } from '../types.js';
import { guard, isPromiseLike, report, untilAborted } from '../util/guard.js';
import { templatePath } from '../util/templatePath.js';
import { CallControl } from './CallControl.js';
import type { ObserverFanout } from './observerFanout.js';
import { type ClientConfig, lowerCaseHeaders } from './resolveClientConfig.js';
import { resolveTarget, type Target } from './resolveTarget.js';

/** What a call returns: the Response, or (for `json()`) the parsed body. */
export type CallMode = 'response' | 'json';

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const NO_BODY: PreparedBody = { body: undefined, signable: undefined, replayable: true };

/** The outcome of one attempt. */
interface AttemptResult {
  readonly failure: Failure | null;
  readonly response?: TransportResponse;
  /** The parsed body, in json mode. */
  readonly value?: unknown;
  /** The observers' hold on this attempt. */
  readonly scope?: AttemptScope;
}

/** Everything that stays the same across the attempts of one call. */
interface Call {
  readonly config: ClientConfig;
  readonly fanout: ObserverFanout | undefined;
  readonly mode: CallMode;
  readonly method: string;
  readonly target: Target;
  readonly headers: Record<string, string>;
  readonly prepared: PreparedBody;
  readonly replayable: boolean;
  readonly attemptTimeoutMs: number;
  readonly followRedirects: boolean;
  readonly deadline: number;
  readonly control: CallControl;
  readonly info: CallInfo;
}

/**
 * The request pipeline: prepare the call, then attempt, classify, ask the strategy, wait
 * and attempt again until success or the strategy stops; tell the observers every step.
 */
export async function executeCall(
  config: ClientConfig,
  fanout: ObserverFanout | undefined,
  method: string,
  path: string | URL,
  init: RequestOptions | undefined,
  mode: CallMode,
): Promise<unknown> {
  const call = await prepareCall(config, fanout, method, path, init, mode);
  const { control, info } = call;
  const strategy = init?.retry ?? config.retry;
  let attempt = 0;
  let previousDelayMs = 0;
  let authReplayed = false;
  let detach = false;
  try {
    for (;;) {
      attempt++;
      const refusal =
        strategy.beforeAttempt === undefined
          ? undefined
          : guard(
              config.diagnostics,
              'retry strategy (beforeAttempt)',
              () =>
                strategy.beforeAttempt?.({
                  attempt,
                  method: call.method,
                  url: info.url,
                  upstream: info.upstream,
                }),
              undefined,
            );
      const started = config.clock.now();
      const result: AttemptResult = refusal
        ? { failure: refusal }
        : await attemptOnce(call, attempt);
      const durationMs = config.clock.now() - started;
      const { failure } = result;

      if (failure === null) {
        const status = result.response?.statusCode ?? 0;
        if (strategy.onSuccess !== undefined) {
          guard(
            config.diagnostics,
            'retry strategy (onSuccess)',
            () =>
              strategy.onSuccess?.({
                attempt,
                method: call.method,
                url: info.url,
                upstream: info.upstream,
                status,
                elapsedMs: config.clock.now() - info.startedAt,
              }),
            undefined,
          );
        }
        endAttempt(result, { attempt, status, durationMs });
        fanout?.callEnded(info, {
          attempts: attempt,
          status,
          durationMs: config.clock.now() - info.startedAt,
        });
        if (mode === 'json') return result.value;
        detach = true;
        return responseOf(call, result.response!, attempt, true);
      }

      // Decide whether to go again, and why.
      let verdict: RetryVerdict;
      if (failure.kind === 'cancelled' || control.ended) {
        verdict = {
          delayMs: null,
          reason: failure.kind === 'cancelled' ? 'cancelled' : 'deadline',
        };
      } else if (
        failure.kind === 'unauthorized' &&
        !authReplayed &&
        call.prepared.replayable &&
        (await askAuthToReplay(call, attempt, failure))
      ) {
        authReplayed = true;
        verdict = { delayMs: 0, reason: 'auth_refresh', delaySource: 'backoff' };
      } else {
        verdict = await askStrategy(call, strategy, attempt, failure, previousDelayMs);
        if (verdict.delayMs !== null && !call.prepared.replayable)
          verdict = { delayMs: null, reason: 'stream_body' };
        if (verdict.delayMs !== null && verdict.delayMs >= call.deadline - config.clock.now())
          verdict = { delayMs: null, reason: 'deadline' };
      }
      const status = result.response?.statusCode;
      const delayMs = verdict.delayMs;
      if (delayMs === null) {
        endAttempt(result, { attempt, status, failure, durationMs, stopReason: verdict.reason });
        fanout?.callEnded(info, {
          attempts: attempt,
          status,
          failure,
          durationMs: config.clock.now() - info.startedAt,
          stopReason: verdict.reason,
        });
        if (status !== undefined && init?.throwHttpErrors === false) {
          if (mode === 'json') return await result.response!.body.json();
          detach = true;
          return responseOf(call, result.response!, attempt, true);
        }
        throw failureError(call, failure, attempt, result.response);
      }
      result.response?.body.dump().catch(() => {});
      endAttempt(result, {
        attempt,
        status,
        failure,
        durationMs,
        retry: { delayMs, reason: verdict.reason, delaySource: verdict.delaySource ?? 'backoff' },
      });
      if (delayMs > 0) {
        try {
          await config.clock.sleep(delayMs, control.signal);
        } catch (error) {
          const stopped = control.failureOf(error, 'headers', config.clock.now());
          fanout?.callEnded(info, {
            attempts: attempt,
            failure: stopped,
            durationMs: config.clock.now() - info.startedAt,
            stopReason: 'aborted_while_waiting',
          });
          throw failureError(call, stopped, attempt, undefined);
        }
      }
      previousDelayMs = delayMs;
    }
  } finally {
    if (!detach) control.finish();
  }

  function endAttempt(result: AttemptResult, outcome: Parameters<AttemptScope['end']>[0]): void {
    result.scope?.end(outcome);
  }
}

async function prepareCall(
  config: ClientConfig,
  fanout: ObserverFanout | undefined,
  /** The verb, or '' to take `init.method` (default GET). */
  rawMethod: string,
  path: string | URL,
  init: RequestOptions | undefined,
  mode: CallMode,
): Promise<Call> {
  const method = (rawMethod === '' ? (init?.method ?? 'GET') : rawMethod).toUpperCase();
  const target = resolveTarget(config, path);
  const headers =
    init?.headers === undefined
      ? { ...config.baseHeaders }
      : { ...config.baseHeaders, ...lowerCaseHeaders(init.headers) };
  if (target.authorization !== undefined && headers['authorization'] === undefined)
    headers['authorization'] = target.authorization;
  if (mode === 'json' && headers['accept'] === undefined) headers['accept'] = 'application/json';
  const prepared =
    init?.json === undefined && (init?.body === undefined || init.body === null)
      ? NO_BODY
      : await prepareBody(init.body, init.json);
  if (prepared.contentType !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = prepared.contentType;
  const idempotent = init?.idempotent ?? IDEMPOTENT_METHODS.has(method);
  const timeoutMs = init?.timeoutMs ?? config.timeoutMs;
  const startedAt = config.clock.now();
  const control = new CallControl(init?.signal, timeoutMs);
  const url = config.redactor.url(target.href);
  return {
    config,
    fanout,
    mode,
    method,
    target,
    headers,
    prepared,
    replayable: idempotent && prepared.replayable,
    attemptTimeoutMs: init?.attemptTimeoutMs ?? config.attemptTimeoutMs,
    followRedirects: config.maxRedirects > 0 && init?.redirect !== 'manual',
    deadline: timeoutMs > 0 ? startedAt + timeoutMs : Number.POSITIVE_INFINITY,
    control,
    info: {
      upstream: config.name,
      method,
      url,
      serverAddress: target.hostname,
      serverPort: target.port,
      route: init?.route ?? templatePath(target.path),
      startedAt,
    },
  };
}

/** Sends one attempt and classifies what came back; never throws. */
async function attemptOnce(call: Call, attempt: number): Promise<AttemptResult> {
  const { config, control } = call;
  if (control.ended)
    return { failure: control.failureOf(undefined, 'headers', config.clock.now()) };
  control.startAttempt(call.attemptTimeoutMs, call.deadline - config.clock.now());
  const scope = call.fanout?.attemptStarted(call.info, attempt);
  let phase: 'headers' | 'body' = 'headers';
  const send = async (): Promise<AttemptResult> => {
    const { auth } = config;
    if (auth !== undefined) await applyAuth(call, attempt);
    scope?.inject?.(call.headers);
    const response = await config.transport.send({
      origin: call.target.origin,
      path: call.target.path,
      method: call.method,
      headers: call.headers,
      body: call.prepared.body,
      signal: control.signal,
      timeoutMs: call.attemptTimeoutMs,
      followRedirects: call.followRedirects,
    });
    phase = 'body';
    const failure = classifyStatus(response.statusCode, response.headers, config.clock.now());
    if (failure !== null || call.mode !== 'json') return { failure, response };
    const text = await response.body.text();
    if (text === '') return { failure: null, response, value: undefined };
    try {
      return { failure: null, response, value: JSON.parse(text) };
    } catch (error) {
      return {
        failure: {
          kind: 'invalid_response',
          code: 'INVALID_JSON',
          status: response.statusCode,
          message: `The response body is not valid JSON (${(error as Error).message})`,
          cause: error,
        },
        response,
      };
    }
  };
  try {
    const result = await (scope === undefined ? send() : scope.run(send));
    return scope === undefined ? result : { ...result, scope };
  } catch (error) {
    const failure = control.failureOf(error, phase, config.clock.now());
    return scope === undefined ? { failure } : { failure, scope };
  } finally {
    // In response mode the body is still to be read: the attempt deadline ends with the headers.
    control.endAttempt();
  }
}

async function applyAuth(call: Call, attempt: number): Promise<void> {
  const { config, control } = call;
  const applied = guard(
    config.diagnostics,
    'auth strategy (apply)',
    () =>
      config.auth?.apply({
        attempt,
        method: call.method,
        url: new URL(call.target.href),
        headers: call.headers,
        body: call.prepared.signable,
        call,
        signal: control.signal,
      }),
    undefined,
  );
  if (isPromiseLike(applied)) {
    try {
      await untilAborted(Promise.resolve(applied), control.signal);
    } catch (error) {
      if (control.signal.aborted) throw error;
      report(config.diagnostics, 'auth strategy (apply)', error);
    }
  }
}

async function askAuthToReplay(call: Call, attempt: number, failure: Failure): Promise<boolean> {
  const { config, control } = call;
  const onUnauthorized = config.auth?.onUnauthorized;
  if (onUnauthorized === undefined) return false;
  try {
    const answer = onUnauthorized.call(config.auth, {
      attempt,
      failure,
      call,
      signal: control.signal,
    });
    return (
      (isPromiseLike(answer)
        ? await untilAborted(Promise.resolve(answer), control.signal)
        : answer) === true
    );
  } catch (error) {
    if (!control.signal.aborted)
      report(config.diagnostics, 'auth strategy (onUnauthorized)', error);
    return false;
  }
}

async function askStrategy(
  call: Call,
  strategy: NonNullable<RequestOptions['retry']>,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
): Promise<RetryVerdict> {
  const { config, control, info } = call;
  const now = config.clock.now();
  try {
    const decision = strategy.nextDelay({
      attempt,
      failure,
      method: call.method,
      url: info.url,
      upstream: info.upstream,
      replayable: call.replayable,
      elapsedMs: now - info.startedAt,
      previousDelayMs,
      remainingMs: call.deadline - now,
      signal: control.signal,
    });
    return normalizeDecision(
      isPromiseLike(decision)
        ? await untilAborted(Promise.resolve(decision), control.signal)
        : decision,
    );
  } catch (error) {
    if (!control.signal.aborted) report(config.diagnostics, 'retry strategy (nextDelay)', error);
    return { delayMs: null, reason: control.signal.aborted ? 'deadline' : 'strategy_error' };
  }
}

/** The final Response handed to the caller; its body keeps the call's deadline until read. */
function responseOf(
  call: Call,
  response: TransportResponse,
  attempts: number,
  ownsControl: boolean,
): Response {
  const { control } = call;
  if (ownsControl) response.body.once('close', () => control.finish());
  return toResponse(
    response.statusCode,
    response.headers,
    response.body,
    call.method,
    call.info.url,
    (error) =>
      failureError(
        call,
        control.failureOf(error, 'body', call.config.clock.now()),
        attempts,
        undefined,
      ),
  );
}

function failureError(
  call: Call,
  failure: Failure,
  attempts: number,
  response: TransportResponse | undefined,
): RequestFailure {
  const secrets = secretsOf(call);
  const message =
    secrets.length === 0 ? failure.message : call.config.redactor.scrub(failure.message, secrets);
  return createRequestFailure({
    failure: message === failure.message ? failure : { ...failure, message },
    method: call.method,
    url: call.info.url,
    attempts,
    ...(response === undefined ? {} : { response: responseOf(call, response, attempts, false) }),
  });
}

/** The secret values this call carries, so no message repeats them. */
function secretsOf(call: Call): string[] {
  const { redactor } = call.config;
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(call.headers)) {
    if (redactor.isSecretHeader(name))
      secrets.push(value, ...value.split(/[\s,;=]+/).filter((part) => part.length >= 8));
  }
  const query = call.target.path.indexOf('?');
  if (query !== -1) {
    for (const [name, value] of new URLSearchParams(call.target.path.slice(query + 1))) {
      if (redactor.isSecretQuery(name) && value !== '')
        secrets.push(value, encodeURIComponent(value));
    }
  }
  return secrets;
}
