import { nodeHttp } from '../core/nodeBuiltins.js';
import type { FailureKind } from '../core/failureKinds.js';
import { isRequestFailure, type RequestFailure } from '../errors/RequestFailure.js';
import { otelApi } from '../signals/otelApi.js';
import { DEFAULT_PROBLEM_STATUS, defaultDetail, KIND_TITLES } from './defaultProblems.js';
import type { ProblemMapping, ProblemOptions, ProblemRule } from './ProblemOptions.js';

/** What the service side needs to know of the incoming request. */
export interface IncomingRequest {
  /** The request's path and query, as received. */
  readonly url: string;
  readonly accept: string | undefined;
}

/** The answer chosen for an error; the framework adapters only write it. */
export interface ProblemAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The JSON text; undefined for a caller that went away. */
  readonly body: string | undefined;
  /** Set for an upstream failure. */
  readonly kind?: FailureKind;
  /** What the adapter should log: a cancelled request (499) or an unexpected error (500). */
  readonly log?: 'cancelled' | 'unexpected';
}

/** RFC 9457's members, and the extensions a support engineer needs. */
interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  kind?: FailureKind;
  upstream?: string;
  trace_id?: string;
}

/**
 * Chooses the answer to an error escaping a handler: the app's error classes first, then
 * the per-kind table for upstream failures, then the status an HTTP error carries, then
 * 500. Pure but for reading the active span.
 */
export function answerProblem(error: unknown, request: IncomingRequest, options: ProblemOptions): ProblemAnswer {
  const failure = isRequestFailure(error) ? error : undefined;
  const mapping = appMapping(error, options) ?? (failure === undefined ? undefined : kindMapping(failure, options));
  if (failure?.kind === 'cancelled' && mapping?.status === DEFAULT_PROBLEM_STATUS.cancelled)
    return { status: mapping.status, headers: {}, body: undefined, kind: 'cancelled', log: 'cancelled' };
  const chosen = mapping ?? httpErrorMapping(error) ?? { status: 500 };
  const { status } = chosen;
  const document: ProblemDocument = {
    type: 'about:blank',
    title: nodeHttp().STATUS_CODES[status] ?? 'Error',
    status,
    instance: pathOf(request.url),
  };
  if (failure !== undefined) {
    if (options.typeBase !== undefined) {
      document.type = `${options.typeBase}${failure.kind}`;
      document.title = KIND_TITLES[failure.kind];
    }
    document.detail = defaultDetail(failure);
    document.kind = failure.kind;
    if (failure.upstream !== undefined) document.upstream = failure.upstream;
  }
  if (chosen.type !== undefined) document.type = chosen.type;
  if (chosen.title !== undefined) document.title = chosen.title;
  if (chosen.detail !== undefined) document.detail = chosen.detail;
  const traceId = activeTraceId();
  if (traceId !== undefined) document.trace_id = traceId;

  const headers: Record<string, string> = {
    'content-type': `${mediaTypeFor(request.accept, options)}; charset=utf-8`,
    // An error answer is about this moment; a cache must not serve it later.
    'cache-control': 'no-store',
  };
  if (failure?.kind === 'throttled' && failure.retryAfterMs !== undefined && status === 503)
    headers['retry-after'] = String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000)));
  if (chosen.headers !== undefined)
    for (const [name, value] of Object.entries(chosen.headers)) headers[name.toLowerCase()] = value;
  if (status === 401) headers['www-authenticate'] ??= options.challenge ?? 'Bearer';
  return {
    status,
    headers,
    body: JSON.stringify(document),
    ...(failure === undefined ? {} : { kind: failure.kind }),
    ...(mapping === undefined && status >= 500 ? { log: 'unexpected' as const } : {}),
  };
}

function appMapping(error: unknown, options: ProblemOptions): ProblemMapping | undefined {
  if (options.errors === undefined || !(error instanceof Error)) return undefined;
  for (const [errorClass, rule] of options.errors) {
    if (!(error instanceof errorClass)) continue;
    const mapping = apply(rule, error);
    if (mapping !== undefined) return mapping;
  }
  return undefined;
}

function kindMapping(failure: RequestFailure, options: ProblemOptions): ProblemMapping {
  const rule = options.kinds?.[failure.kind];
  return (rule === undefined ? undefined : apply(rule, failure)) ?? { status: DEFAULT_PROBLEM_STATUS[failure.kind] };
}

function apply<E>(rule: ProblemRule<E>, error: E): ProblemMapping | undefined {
  return typeof rule === 'function' ? rule(error) : rule;
}

/**
 * The status an HTTP error carries (http-errors, body-parser, Fastify's validation): its
 * own 4xx/5xx, with its message as detail only when it says the message is for the caller.
 */
function httpErrorMapping(error: unknown): ProblemMapping | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const fields = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof fields.statusCode === 'number' ? fields.statusCode : fields.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) return undefined;
  const exposed = status < 500 && fields.expose === true && typeof fields.message === 'string';
  return exposed ? { status, detail: fields.message as string } : { status };
}

/** The path alone: a query string may carry a secret. */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function activeTraceId(): string | undefined {
  const { isSpanContextValid, trace } = otelApi();
  const context = trace.getActiveSpan()?.spanContext();
  return context !== undefined && isSpanContextValid(context) ? context.traceId : undefined;
}

/** problem+json unless the app asked for plain JSON, or the caller's Accept names only JSON. */
function mediaTypeFor(accept: string | undefined, options: ProblemOptions): string {
  if (options.mediaType === 'json') return 'application/json';
  if (accept === undefined) return 'application/problem+json';
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const problem = types.some(
    (type) => type === 'application/problem+json' || type === '*/*' || type === 'application/*',
  );
  return !problem && types.includes('application/json') ? 'application/json' : 'application/problem+json';
}

/**
 * {@link answerProblem}, but an app rule that throws still gets the caller an answer: a
 * bare 500 problem, never the framework's HTML page or a stack.
 */
export function answerSafely(error: unknown, request: IncomingRequest, options: ProblemOptions): ProblemAnswer {
  try {
    return answerProblem(error, request, options);
  } catch {
    return {
      status: 500,
      headers: { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({
        type: 'about:blank',
        title: nodeHttp().STATUS_CODES[500],
        status: 500,
        instance: pathOf(request.url),
      }),
      log: 'unexpected',
    };
  }
}
