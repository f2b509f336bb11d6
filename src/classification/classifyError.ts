import type { Failure, FailureKind, FailurePhase, HeadersLike } from '../types/failure.js';
import { classifyStatus } from './classifyStatus.js';
import { isFailureKind } from '../core/failureKinds.js';

interface CodeRule {
  readonly kind: FailureKind;
  readonly phase?: FailurePhase;
}

const connectNetwork: CodeRule = { kind: 'network', phase: 'connect' };
const network: CodeRule = { kind: 'network' };

/** System, undici, axios and got codes, each mapped to a kind (and phase). */
const CODE_RULES: ReadonlyMap<string, CodeRule> = new Map(
  Object.entries({
    // Refused before anything was sent: safe to retry whatever the method.
    ECONNREFUSED: connectNetwork,
    ENOTFOUND: connectNetwork,
    EAI_AGAIN: connectNetwork,
    EAI_NONAME: connectNetwork,
    EAI_FAIL: connectNetwork,
    EHOSTUNREACH: connectNetwork,
    ENETUNREACH: connectNetwork,
    EHOSTDOWN: connectNetwork,
    ENETDOWN: connectNetwork,
    EADDRNOTAVAIL: connectNetwork,
    // TLS handshakes fail before the request is written.
    CERT_HAS_EXPIRED: connectNetwork,
    DEPTH_ZERO_SELF_SIGNED_CERT: connectNetwork,
    SELF_SIGNED_CERT_IN_CHAIN: connectNetwork,
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: connectNetwork,
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: connectNetwork,
    ERR_TLS_CERT_ALTNAME_INVALID: connectNetwork,
    ERR_TLS_HANDSHAKE_TIMEOUT: { kind: 'timeout', phase: 'connect' },
    // Broken mid-flight.
    ECONNRESET: network,
    EPIPE: network,
    ECONNABORTED: network,
    ESOCKETTIMEDOUT: { kind: 'timeout', phase: 'body' },
    ETIMEDOUT: { kind: 'timeout', phase: 'connect' },
    ERR_SOCKET_CONNECTION_TIMEOUT: { kind: 'timeout', phase: 'connect' },
    ERR_STREAM_PREMATURE_CLOSE: network,
    UND_ERR_SOCKET: network,
    UND_ERR_CLOSED: network,
    UND_ERR_DESTROYED: network,
    UND_ERR_INFO: network,
    UND_ERR_CONNECT_TIMEOUT: { kind: 'timeout', phase: 'connect' },
    UND_ERR_HEADERS_TIMEOUT: { kind: 'timeout', phase: 'headers' },
    UND_ERR_BODY_TIMEOUT: { kind: 'timeout', phase: 'body' },
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { kind: 'invalid_response' },
    UND_ERR_RES_EXCEEDED_MAX_SIZE: { kind: 'invalid_response' },
    HPE_INVALID_CONSTANT: { kind: 'invalid_response' },
    HPE_INVALID_CHUNK_SIZE: { kind: 'invalid_response' },
    HPE_UNEXPECTED_CONTENT_LENGTH: { kind: 'invalid_response' },
    UND_ERR_ABORTED: { kind: 'cancelled' },
    ABORT_ERR: { kind: 'cancelled' },
    // axios
    ERR_CANCELED: { kind: 'cancelled' },
    ERR_NETWORK: network,
    ERR_BAD_RESPONSE: { kind: 'server' },
    ERR_BAD_REQUEST: { kind: 'client' },
    ERR_FR_TOO_MANY_REDIRECTS: { kind: 'invalid_response' },
    // got
    ERR_BODY_PARSE_FAILURE: { kind: 'invalid_response' },
    ERR_TOO_MANY_REDIRECTS: { kind: 'invalid_response' },
  } satisfies Record<string, CodeRule>),
);

/** got's TimeoutError names the event that timed out; map it to our phases. */
const GOT_TIMEOUT_PHASES: ReadonlyMap<string, FailurePhase> = new Map(
  Object.entries({
    lookup: 'connect',
    connect: 'connect',
    secureConnect: 'connect',
    socket: 'headers',
    send: 'headers',
    response: 'headers',
    read: 'body',
    request: 'total',
  } satisfies Record<string, FailurePhase>),
);

const MAX_CAUSE_DEPTH = 6;

/**
 * Classifies any thrown value. Follows `cause` chains (fetch wraps undici's error in a
 * `TypeError('fetch failed')`), understands Node system errors, undici codes,
 * AbortError/TimeoutError DOMExceptions, and the error shapes of axios and got. An
 * unrecognised error is `network` with its code or name.
 */
export function classifyError(error: unknown, now: number = Date.now()): Failure {
  return classifyAt(error, now, 0) ?? unrecognised(error);
}

function classifyAt(error: unknown, now: number, depth: number): Failure | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const message = messageOf(e);

  // One of ours (or a Failure itself), possibly from another realm.
  if (isFailureKind(e['kind']) && typeof e['code'] === 'string' && typeof e['message'] === 'string') {
    return copyFailure(e, error);
  }

  const name = typeof e['name'] === 'string' ? e['name'] : '';
  if (name === 'AbortError') return { kind: 'cancelled', code: 'AbortError', message, cause: error };
  if (name === 'TimeoutError' && typeof e['code'] !== 'string') {
    return { kind: 'timeout', code: 'TimeoutError', phase: 'total', message, cause: error };
  }

  // axios and got errors carry the response they failed on.
  const response = e['response'];
  if (response !== null && typeof response === 'object') {
    const r = response as Record<string, unknown>;
    const status = typeof r['status'] === 'number' ? r['status'] : r['statusCode'];
    if (typeof status === 'number') {
      const failure = classifyStatus(status, r['headers'] as HeadersLike | undefined, now);
      if (failure !== null) return { ...failure, cause: error };
    }
  }

  const code = typeof e['code'] === 'string' ? e['code'] : undefined;
  if (code !== undefined) {
    // got's timeouts: code ETIMEDOUT plus the event that timed out.
    if (name === 'TimeoutError' && typeof e['event'] === 'string') {
      const phase = GOT_TIMEOUT_PHASES.get(e['event']) ?? 'total';
      return { kind: 'timeout', code, phase, message, cause: error };
    }
    // axios: ECONNABORTED means its own timeout fired.
    if (code === 'ECONNABORTED' && e['isAxiosError'] === true) {
      return { kind: 'timeout', code, phase: 'total', message, cause: error };
    }
    const rule =
      CODE_RULES.get(code) ?? (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') ? connectNetwork : undefined);
    if (rule !== undefined) {
      if (depth < MAX_CAUSE_DEPTH && (code === 'ERR_NETWORK' || code === 'ECONNABORTED')) {
        const inner = classifyAt(e['cause'], now, depth + 1);
        if (inner !== undefined) return inner;
      }
      return rule.phase === undefined
        ? { kind: rule.kind, code, message, cause: error }
        : { kind: rule.kind, code, phase: rule.phase, message, cause: error };
    }
  }

  // fetch: TypeError('fetch failed', { cause }) and friends — the cause says what happened.
  if (depth < MAX_CAUSE_DEPTH && 'cause' in e) {
    const inner = classifyAt(e['cause'], now, depth + 1);
    if (inner !== undefined) return { ...inner, cause: inner.cause ?? error };
  }

  if (name === 'SyntaxError') return { kind: 'invalid_response', code: 'INVALID_JSON', message, cause: error };
  if (/socket hang up/i.test(message)) return { kind: 'network', code: code ?? 'ECONNRESET', message, cause: error };
  if (code !== undefined) return { kind: 'network', code, message, cause: error };
  return undefined;
}

function copyFailure(e: Record<string, unknown>, original: object): Failure {
  const failure: { -readonly [K in keyof Failure]: Failure[K] } = {
    kind: e['kind'] as FailureKind,
    code: e['code'] as string,
    message: e['message'] as string,
    cause: original,
  };
  if (typeof e['status'] === 'number') failure.status = e['status'];
  if (typeof e['retryAfterMs'] === 'number') failure.retryAfterMs = e['retryAfterMs'];
  if (typeof e['phase'] === 'string' && ['connect', 'headers', 'body', 'total'].includes(e['phase'])) {
    failure.phase = e['phase'] as FailurePhase;
  }
  return failure;
}

function messageOf(e: Record<string, unknown>): string {
  const message = e['message'];
  return typeof message === 'string' && message !== '' ? message : 'Request failed';
}

function unrecognised(error: unknown): Failure {
  let code = 'UNKNOWN';
  let message = 'Request failed';
  try {
    if (error !== null && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      if (typeof e['name'] === 'string' && e['name'] !== '') code = e['name'];
      if (typeof e['message'] === 'string' && e['message'] !== '') message = e['message'];
    } else if (typeof error === 'string' && error !== '') {
      message = error;
    }
  } catch {
    // A hostile getter: keep the defaults.
  }
  return { kind: 'network', code, message, cause: error };
}
