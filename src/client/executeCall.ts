import { classifyStatus } from '../classification/classifyStatus.js';
import { createRequestFailure } from '../errors/createRequestFailure.js';
import type { RequestFailure } from '../errors/RequestFailure.js';
import { normalizeDecision } from '../strategies/normalizeDecision.js';
import { createLazyResponse } from '../transport/LazyResponse.js';
import { NO_BODY, type PreparedBody, prepareBody } from '../transport/prepareBody.js';
import {
  followRedirects,
  redirectLocation,
  UNEXPECTED_REDIRECT,
  unexpectedRedirect,
} from '../transport/followRedirects.js';
import type { TransportRequest, TransportResponse } from '../transport/undiciTransport.js';
import type {
  AttemptScope,
  CallInfo,
  DispatcherLike,
  Failure,
  RequestOptions,
  RetryStrategy,
  RetryVerdict,
} from '../types.js';
import { guard, isPromiseLike, report, untilAborted } from '../util/guard.js';
import { templatePath } from '../util/templatePath.js';
import { CallControl } from './CallControl.js';
import type { ObserverFanout } from './observerFanout.js';
import { type ClientConfig, lowerCaseHeaders } from './resolveClientConfig.js';
import { resolveTarget, type Target } from './resolveTarget.js';

/** What a call returns: the Response, or (for `json()`) the parsed body. */
export type CallMode = 'response' | 'json';

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** A failed response's body is kept up to this size for the error; the rest is dropped. */
const MAX_FAILURE_BODY_BYTES = 1024 * 1024;

/** The outcome of one attempt. */
interface AttemptResult {
  readonly failure: Failure | null;
  readonly response?: TransportResponse;
  /** The parsed body, in json mode. */
  readonly value?: unknown;
  /** The observers' hold on this attempt. */
  readonly scope?: AttemptScope | undefined;
  /** A failed response's body, already read. */
  readonly failureBody?: Uint8Array;
  /** The URL the response came from, after redirects (not redacted: it is the caller's). */
  readonly href?: string;
}

/** Everything that stays the same across the attempts of one call. */
interface Call {
  readonly config: ClientConfig;
  readonly fanout: ObserverFanout | undefined;
  readonly mode: CallMode;
  readonly method: string;
  readonly target: Target;
  readonly headers: Record<string, string>;
  /** The body; filled in after the synchronous preparation when there is one. */
  prepared: PreparedBody;
  /** Idempotent (or opted in) and a body that can be sent again. */
  replayable: boolean;
  readonly attemptTimeoutMs: number;
  readonly followRedirects: boolean;
  /** `redirect: 'error'`: a redirect status fails the call. */
  readonly rejectRedirects: boolean;
  /** The call's own dispatcher, if it has one. */
  readonly dispatcher: DispatcherLike | undefined;
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
  const call = prepareCall(config, fanout, method, path, init, mode);
  if (init?.json !== undefined || (init?.body !== undefined && init.body !== null)) {
    call.prepared = await prepareBody(init.body, init.json);
    call.replayable &&= call.prepared.replayable;
    const { contentType } = call.prepared;
    if (contentType !== undefined && call.headers['content-type'] === undefined)
      call.headers['content-type'] = contentType;
  }
  const { control, info } = call;
  const strategy = init?.retry ?? config.retry;
  // Durations are measured on the monotonic clock (sub-millisecond, for the histogram);
  // deadlines and Retry-After dates on the client's clock (which tests may fake).
  const callStarted = performance.now();
  const elapsed = (): number => performance.now() - callStarted;
  let detached = false;
  let previousDelayMs = 0;
  let authReplayed = false;
  try {
    for (let attempt = 1; ; attempt++) {
      const refusal = strategy.beforeAttempt === undefined ? undefined : askBeforeAttempt(call, strategy, attempt);
      const started = performance.now();
      const result: AttemptResult = refusal ? { failure: refusal } : await attemptOnce(call, attempt);
      const durationMs = performance.now() - started;
      const { failure, response } = result;
      const status = response?.statusCode;

      if (failure === null) {
        if (strategy.onSuccess !== undefined) tellSuccess(call, strategy, attempt, status ?? 0);
        result.scope?.end({ attempt, status, durationMs });
        fanout?.callEnded(info, { attempts: attempt, status, durationMs: elapsed() });
        if (mode === 'json') return result.value;
        detached = true;
        return responseOf(call, result, attempt);
      }

      // Decide whether to go again, and why.
      let verdict: RetryVerdict;
      if (failure.kind === 'cancelled' || control.aborted) {
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
        const asked = askStrategy(call, strategy, attempt, failure, previousDelayMs);
        verdict = isPromiseLike(asked) ? await asked : asked;
        if (verdict.delayMs !== null && !call.prepared.replayable) verdict = { delayMs: null, reason: 'stream_body' };
        else if (verdict.delayMs !== null && verdict.delayMs >= call.deadline - config.clock.now())
          verdict = { delayMs: null, reason: 'deadline' };
      }

      const { delayMs } = verdict;
      if (delayMs === null) {
        result.scope?.end({ attempt, status, failure, durationMs, stopReason: verdict.reason });
        fanout?.callEnded(info, {
          attempts: attempt,
          status,
          failure,
          durationMs: elapsed(),
          stopReason: verdict.reason,
        });
        // redirect: 'error' fails as fetch does, whatever throwHttpErrors says.
        if (status !== undefined && init?.throwHttpErrors === false && failure.code !== UNEXPECTED_REDIRECT) {
          if (mode === 'json') return parseJson(result.failureBody);
          return responseOf(call, result, attempt);
        }
        throw failureError(call, result, attempt);
      }
      result.scope?.end({
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
          const stopped = withoutSecrets(call, control.failureOf(error, config.clock.now()));

          fanout?.callEnded(info, {
            attempts: attempt,
            failure: stopped,
            durationMs: elapsed(),
            stopReason: 'aborted_while_waiting',
          });
          throw failureError(call, { failure: stopped }, attempt);
        }
      }
      previousDelayMs = delayMs;
    }
  } finally {
    // A streamed Response keeps the deadline armed until its body is read.
    if (!detached) control.finish();
  }
}

function askBeforeAttempt(call: Call, strategy: RetryStrategy, attempt: number): Failure | undefined {
  const { info } = call;
  const refusal = guard(
    call.config.diagnostics,
    'retry strategy (beforeAttempt)',
    () =>
      strategy.beforeAttempt?.({
        attempt,
        method: call.method,
        url: info.url,
        upstream: info.upstream,
      }),
    undefined,
    scrubberOf(call),
  );
  return refusal === null || refusal === undefined ? undefined : refusal;
}

function tellSuccess(call: Call, strategy: RetryStrategy, attempt: number, status: number): void {
  const { info, config } = call;
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
    scrubberOf(call),
  );
}

function parseJson(body: Uint8Array | undefined): unknown {
  if (body === undefined || body.byteLength === 0) return undefined;
  return JSON.parse(Buffer.from(body).toString('utf8'));
}

function prepareCall(
  config: ClientConfig,
  fanout: ObserverFanout | undefined,
  /** The verb, or '' to take `init.method` (default GET). */
  rawMethod: string,
  path: string | URL,
  init: RequestOptions | undefined,
  mode: CallMode,
): Call {
  const method = (rawMethod === '' ? (init?.method ?? 'GET') : rawMethod).toUpperCase();
  const target = resolveTarget(config, path);
  const headers =
    init?.headers === undefined
      ? { ...config.baseHeaders }
      : { ...config.baseHeaders, ...lowerCaseHeaders(init.headers) };
  if (target.authorization !== undefined && headers['authorization'] === undefined)
    headers['authorization'] = target.authorization;
  if (mode === 'json' && headers['accept'] === undefined) headers['accept'] = 'application/json';
  const timeoutMs = init?.timeoutMs ?? config.timeoutMs;
  const startedAt = config.clock.now();
  return {
    config,
    fanout,
    mode,
    method,
    target,
    headers,
    prepared: NO_BODY,
    replayable: init?.idempotent ?? IDEMPOTENT_METHODS.has(method),
    attemptTimeoutMs: init?.attemptTimeoutMs ?? config.attemptTimeoutMs,
    followRedirects: config.maxRedirects > 0 && init?.redirect !== 'manual' && init?.redirect !== 'error',
    rejectRedirects: init?.redirect === 'error',
    dispatcher: init?.dispatcher,
    deadline: timeoutMs > 0 ? startedAt + timeoutMs : Number.POSITIVE_INFINITY,
    control: new CallControl(init?.signal, timeoutMs),
    info: {
      upstream: config.name,
      method,
      url: config.redactor.url(target.href),
      serverAddress: target.hostname,
      serverPort: target.port,
      route: init?.route ?? templatePath(target.path),
      startedAt,
    },
  };
}

/**
 * Sends one attempt and classifies what came back; never throws. One async function from
 * credentials to the parsed body: with AsyncLocalStorage on (any service that runs
 * Sentry or OpenTelemetry), Node's promise hooks charge every extra async layer on every
 * request.
 */
async function attemptOnce(call: Call, attempt: number): Promise<AttemptResult> {
  const { config, control } = call;
  if (control.aborted) return { failure: control.failureOf(undefined, config.clock.now()) };
  const scope = call.fanout?.attemptStarted(call.info, attempt);
  try {
    if (config.auth !== undefined) {
      // The credentials step runs user code that may want the attempt's span active.
      await (scope === undefined ? applyAuth(call, attempt) : scope.run(() => applyAuth(call, attempt)));
    }
    scope?.inject?.(call.headers);
    const request: TransportRequest = {
      origin: call.target.origin,
      path: call.target.path,
      method: call.method,
      headers: call.headers,
      body: call.prepared.body,
      signal: control,
      timeoutMs: call.attemptTimeoutMs,
      dispatcher: call.dispatcher,
    };
    const { transport } = config;
    let response = await sendThrough(scope, () => transport.send(request));
    let href = call.target.href;
    if (call.followRedirects && redirectLocation(response) !== undefined) {
      const first = response;
      ({ response, href } = await sendThrough(scope, () =>
        followRedirects(transport, request, first, href, config.maxRedirects),
      ));
    }
    const failure =
      response.statusCode < 400
        ? call.rejectRedirects
          ? unexpectedRedirect(response.statusCode)
          : null
        : classifyStatus(response.statusCode, lowerCaseReader(response.headers), config.clock.now());
    if (failure !== null) {
      // Read now (bounded) so the connection goes back to the pool and the error can carry it.
      return {
        failure,
        response,
        href,
        scope,
        failureBody: await readBounded(response, MAX_FAILURE_BODY_BYTES),
      };
    }
    if (call.mode !== 'json') return { failure, response, href, scope };
    const limit = config.maxJsonBytes;
    // A declared length within the limit takes undici's fast path.
    const text =
      Number(response.headers['content-length']) <= limit
        ? await response.body.text()
        : await readJsonText(response, limit);
    if (text === undefined) {
      return {
        failure: {
          kind: 'invalid_response',
          code: 'BODY_TOO_LARGE',
          status: response.statusCode,
          message: `The response body exceeds ${limit} bytes`,
        },
        response,
        scope,
        failureBody: new Uint8Array(0),
      };
    }
    if (text === '') return { failure: null, response, scope, value: undefined };
    try {
      return { failure: null, response, scope, value: JSON.parse(text) };
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
        scope,
        failureBody: Buffer.from(text),
      };
    }
  } catch (error) {
    return { failure: withoutSecrets(call, control.failureOf(error, config.clock.now())), scope };
  }
}

/** Sends through the observers' scope (which may enter a context around it), if there is one. */
function sendThrough<T>(scope: AttemptScope | undefined, send: () => Promise<T>): Promise<T> {
  return scope?.send === undefined ? send() : scope.send(send);
}

/**
 * The body as text for json() when its declared length is not within `limit`: undefined
 * when it is larger (the rest is not read: an endless body cannot exhaust memory).
 */
async function readJsonText(response: TransportResponse, limit: number): Promise<string | undefined> {
  const { body } = response;
  if (Number(response.headers['content-length']) > limit) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** undici's header names are already lower case: read them without a case-insensitive search. */
function lowerCaseReader(headers: TransportResponse['headers']): { get(name: string): unknown } {
  return { get: (name) => headers[name] };
}

/** Reads up to `limit` bytes of a body and drops the rest; a broken body reads as what arrived. */
async function readBounded(response: TransportResponse, limit: number): Promise<Uint8Array> {
  const { body } = response;
  const length = Number(response.headers['content-length']);
  if (length <= limit) {
    // The common case, and undici's own fast path.
    try {
      return new Uint8Array(await body.arrayBuffer());
    } catch {
      return new Uint8Array(0);
    }
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      if (size + buffer.byteLength > limit) {
        chunks.push(buffer.subarray(0, limit - size));
        body.destroy();
        break;
      }
      chunks.push(buffer);
      size += buffer.byteLength;
    }
  } catch {
    // What arrived is what the error can show.
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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
    scrubberOf(call),
  );
  if (isPromiseLike(applied)) {
    try {
      await untilAborted(Promise.resolve(applied), control.signal);
    } catch (error) {
      if (control.signal.aborted) throw error;
      report(config.diagnostics, 'auth strategy (apply)', error, scrubberOf(call));
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
    return (isPromiseLike(answer) ? await untilAborted(Promise.resolve(answer), control.signal) : answer) === true;
  } catch (error) {
    if (!control.signal.aborted) report(config.diagnostics, 'auth strategy (onUnauthorized)', error, scrubberOf(call));
    return false;
  }
}

/** The strategy's verdict; synchronous when the strategy is, which spares a failure a promise. */
function askStrategy(
  call: Call,
  strategy: RetryStrategy,
  attempt: number,
  failure: Failure,
  previousDelayMs: number,
): RetryVerdict | Promise<RetryVerdict> {
  const { config, control, info } = call;
  const now = config.clock.now();
  const failed = (error: unknown): RetryVerdict => {
    if (!control.signal.aborted) report(config.diagnostics, 'retry strategy (nextDelay)', error, scrubberOf(call));
    return { delayMs: null, reason: control.signal.aborted ? 'deadline' : 'strategy_error' };
  };
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
      // Made on demand: most strategies never look at it.
      get signal() {
        return control.signal;
      },
    });
    if (!isPromiseLike(decision)) return normalizeDecision(decision);
    return untilAborted(Promise.resolve(decision), control.signal).then(normalizeDecision).catch(failed);
  } catch (error) {
    return failed(error);
  }
}

/** The Response handed to the caller; a streamed body keeps the call's deadline until read. */
function responseOf(call: Call, result: AttemptResult, attempts: number): Response {
  const response = result.response!;
  const { control } = call;
  const body = result.failureBody ?? response.body;
  if (result.failureBody === undefined) response.body.once('close', () => control.finish());
  return createLazyResponse(
    response.statusCode,
    response.statusText,
    response.headers,
    body,
    call.method,
    result.href ?? call.target.href,
    (error) =>
      failureError(
        call,
        { failure: withoutSecrets(call, control.failureOf(error, call.config.clock.now())) },
        attempts,
      ),
  );
}

/**
 * A thrown error's message may repeat what the request carried (a URL with its query, a
 * token); the messages faultline writes for statuses never do. Scrubbed once, where the
 * failure arises, so no signal and no error sees the secret.
 */
function withoutSecrets(call: Call, failure: Failure): Failure {
  if (failure.status !== undefined) return failure;
  const message = call.config.redactor.scrub(failure.message, secretsOf(call));
  return message === failure.message ? failure : { ...failure, message };
}

function failureError(call: Call, result: AttemptResult, attempts: number): RequestFailure {
  return createRequestFailure({
    failure: result.failure!,
    method: call.method,
    url: call.info.url,
    attempts,
    // Built on first access: most errors are never asked for their response.
    ...(result.response === undefined ? {} : { responseFactory: () => responseOf(call, result, attempts) }),
  });
}

/** Scrubs this call's secrets from a diagnostic message about its hooks. */
function scrubberOf(call: Call): (text: string) => string {
  return (text) => call.config.redactor.scrub(text, secretsOf(call));
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
      if (redactor.isSecretQuery(name) && value !== '') secrets.push(value, encodeURIComponent(value));
    }
  }
  return secrets;
}
