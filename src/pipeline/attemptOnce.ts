import { classifyStatus } from '../classification/classifyStatus.js';
import { followRedirects, redirectLocation, unexpectedRedirect } from '../transport/followRedirects.js';
import type { BufferedResponse } from '../transport/bufferWithDeadline.js';
import type { TransportRequest, TransportResponse } from '../transport/undiciTransport.js';
import type { Failure } from '../types/failure.js';
import type { AttemptScope } from '../types/observers.js';
import { scrubberOf, withoutSecrets } from './callSecrets.js';
import type { AttemptLane } from './AttemptLane.js';
import { bodyFailure } from './followBody.js';
import type { Call } from './prepareCall.js';
import { readBounded, readJsonText } from './readBody.js';

/** A failed response's body is kept up to this size for the error; the rest is dropped. */
const MAX_FAILURE_BODY_BYTES = 1024 * 1024;

/** The outcome of one attempt. */
export interface AttemptResult {
  readonly failure: Failure | null;
  /** The response: read whole in json mode (where the transport can), else with undici's stream body. */
  readonly response?: TransportResponse | BufferedResponse;
  /** The parsed body, in json mode. */
  readonly value?: unknown;
  /** The observers' hold on this attempt. */
  readonly scope?: AttemptScope | undefined;
  /** A failed response's body, already read. */
  readonly failureBody?: Uint8Array;
  /** The URL the response came from, after redirects (not redacted: it is the caller's). */
  readonly href?: string;
  /** Set by a hedge race that sent hedges: the number of the last attempt it sent. */
  readonly lastAttempt?: number;
  /** Set with `lastAttempt`: how many hedges the race sent. */
  readonly hedges?: number;
}

/**
 * Sends one attempt and classifies what came back; never throws. One async function from
 * credentials to the parsed body: with AsyncLocalStorage on (any service that runs
 * Sentry or OpenTelemetry), Node's promise hooks charge every extra async layer on every
 * request.
 */
export async function attemptOnce(call: Call, attempt: number, lane?: AttemptLane): Promise<AttemptResult> {
  const { config, control } = call;
  if (control.aborted) return { failure: control.failureOf(undefined, config.clock.now()) };
  const scope = config.fanout?.attemptStarted(call.info, attempt, scrubberOf(call));
  if (lane !== undefined) lane.scope = scope;
  // Set once the headers are in: what fails after that fails in the body phase.
  let answered = false;
  try {
    const { auth } = config;
    if (auth !== undefined) {
      // The credentials step runs user code that may want the attempt's span active.
      const apply = () =>
        auth.apply(
          {
            attempt,
            method: call.method,
            url: new URL(call.target.href),
            headers: call.headers,
            body: call.body.signable,
            call,
            signal: control.signal,
          },
          scrubberOf(call),
        );
      await (scope === undefined ? apply() : scope.run(apply));
    }
    scope?.inject?.(call.headers);
    const request: TransportRequest = {
      origin: call.target.origin,
      path: call.target.path,
      method: call.method,
      headers: call.headers,
      body: call.body.body,
      // A hedge race's attempt is aborted on its own when another answers first.
      signal: lane ?? control,
      timeoutMs: call.attemptTimeoutMs,
      dispatcher: call.dispatcher,
    };
    const { transport } = config;
    // json() has the body read whole, with no stream, where the transport can. A hedge
    // race's attempts keep the stream: the race lets a lane go when its body closes.
    const buffered = call.mode === 'json' && lane === undefined ? transport.sendBuffered : undefined;
    const send = (next: TransportRequest): Promise<TransportResponse | BufferedResponse> =>
      buffered === undefined
        ? transport.send(next)
        : buffered.call(transport, next, { success: config.maxJsonBytes, other: MAX_FAILURE_BODY_BYTES });
    let response = await sendThrough(scope, () => send(request));
    let href = call.target.href;
    if (call.followRedirects && redirectLocation(response) !== undefined) {
      const first = response;
      ({ response, href } = await sendThrough(scope, () =>
        followRedirects(send, request, first, href, config.maxRedirects, config.redactor.isSecretHeader),
      ));
    }
    lane?.markAnswered();
    answered = true;
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
    const text = await readJsonText(response, limit);
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
    if (answered) return { failure: bodyFailure(call, error), scope };
    return { failure: withoutSecrets(call, control.failureOf(error, config.clock.now())), scope };
  }
}

/** Sends through the observers' scope (which may enter a context around it), if there is one. */
function sendThrough<T>(scope: AttemptScope | undefined, send: () => Promise<T>): Promise<T> {
  return scope?.send === undefined ? send() : scope.send(send);
}

/** undici's header names are already lower case: read them without a case-insensitive search. */
function lowerCaseReader(headers: TransportResponse['headers']): { get(name: string): unknown } {
  return { get: (name) => headers[name] };
}
