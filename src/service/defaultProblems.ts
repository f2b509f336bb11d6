import type { FailureKind } from '../core/failureKinds.js';
import type { RequestFailure } from '../errors/RequestFailure.js';

/** The status each kind of upstream failure is answered with (README "Answering your callers"). */
export const DEFAULT_PROBLEM_STATUS: Readonly<Record<FailureKind, number>> = Object.freeze({
  timeout: 504,
  throttled: 503,
  circuit_open: 503,
  load_shed: 503,
  network: 502,
  server: 502,
  invalid_response: 502,
  // The caller cannot fix this service's credentials: an upstream's 401/403 is our fault.
  unauthorized: 502,
  forbidden: 502,
  client: 502,
  // Nginx's "client closed request": logged, never sent (nobody is listening).
  cancelled: 499,
});

/** Titles used when the app gives `typeBase` (with `about:blank`, the status phrase is the title). */
export const KIND_TITLES: Readonly<Record<FailureKind, string>> = Object.freeze({
  timeout: 'Upstream timed out',
  throttled: 'Upstream is throttling',
  circuit_open: 'Upstream is unavailable',
  load_shed: 'Upstream is overloaded',
  network: 'Upstream unreachable',
  server: 'Upstream failed',
  invalid_response: 'Upstream sent an unreadable response',
  unauthorized: 'Upstream refused our credentials',
  forbidden: 'Upstream refused our credentials',
  client: 'Upstream rejected the request',
  cancelled: 'Client closed request',
});

/**
 * What the caller is told of an upstream failure: written here from the kind and the
 * upstream's name, never from the error's message (which carries an internal URL) or the
 * upstream's body.
 */
export function defaultDetail(error: RequestFailure): string {
  const upstream = error.upstream === undefined ? 'An upstream service' : `The upstream "${error.upstream}"`;
  switch (error.kind) {
    case 'timeout':
      return error.deadlineSource === 'caller'
        ? `The request's deadline passed while waiting for ${error.upstream ?? 'an upstream service'}.`
        : `${upstream} did not answer in time.`;
    case 'throttled':
      return `${upstream} is throttling requests; retry later.`;
    case 'circuit_open':
      return `${upstream} is failing; calls to it are paused for a while.`;
    case 'load_shed':
      return `${upstream} is overloaded; this call was not sent to it.`;
    case 'network':
      return `${upstream} could not be reached.`;
    case 'server':
      return `${upstream} failed to answer the request.`;
    case 'invalid_response':
      return `${upstream} sent a response that could not be read.`;
    case 'unauthorized':
    case 'forbidden':
      return `${upstream} refused this service's credentials.`;
    case 'client':
      return `${upstream} rejected the request this service made.`;
    case 'cancelled':
      return 'The caller closed the request.';
  }
}
