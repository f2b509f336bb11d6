import { classifyError } from '../classification/classifyError.js';
import type { Failure } from '../types.js';

/** Why the call's signal aborted. */
type AbortCause = 'caller' | 'total' | 'attempt';

/**
 * The deadlines and cancellation of one call: the caller's AbortSignal, the total
 * deadline and each attempt's deadline all abort one signal that the transport, the
 * backoff wait and user hooks listen to. It knows which of them fired, so a failure can
 * be told as `cancelled` or as a `timeout` with its phase.
 */
export class CallControl {
  private controller = new AbortController();
  private abortCause: AbortCause | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  private readonly callerSignal: AbortSignal | undefined;

  constructor(callerSignal: AbortSignal | null | undefined, timeoutMs: number) {
    if (callerSignal !== null && callerSignal !== undefined) {
      this.callerSignal = callerSignal;
      if (callerSignal.aborted) this.abort('caller');
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    if (timeoutMs > 0 && this.abortCause === undefined) {
      this.totalTimer = setTimeout(this.onTotalTimeout, timeoutMs);
      this.totalTimer.unref();
    }
  }

  /** Aborts when the caller gives up or a deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the caller aborted or the total deadline passed: nothing more may be tried. */
  get ended(): boolean {
    return this.abortCause === 'caller' || this.abortCause === 'total';
  }

  /** Arms the attempt deadline. */
  startAttempt(attemptTimeoutMs: number, remainingMs: number): void {
    // The total deadline's own timer covers an attempt that would outlive it.
    if (attemptTimeoutMs > 0 && attemptTimeoutMs < remainingMs) {
      this.attemptTimer = setTimeout(this.onAttemptTimeout, attemptTimeoutMs);
    }
  }

  /** Disarms the attempt deadline; after an attempt timeout the call goes on with a fresh signal. */
  endAttempt(): void {
    if (this.attemptTimer !== undefined) {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = undefined;
    }
    if (this.abortCause === 'attempt') {
      this.controller = new AbortController();
      this.abortCause = undefined;
    }
  }

  /** Disarms everything and lets go of the caller's signal. */
  finish(): void {
    this.endAttempt();
    if (this.totalTimer !== undefined) {
      clearTimeout(this.totalTimer);
      this.totalTimer = undefined;
    }
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  /**
   * Classifies an error thrown while the call was under way: an abort we caused is a
   * timeout (with the phase the attempt was in) or the caller's cancellation.
   */
  failureOf(error: unknown, phase: 'headers' | 'body', now: number): Failure {
    switch (this.abortCause) {
      case 'caller':
        return {
          kind: 'cancelled',
          code: 'AbortError',
          message: 'The caller aborted the request',
          cause: this.callerSignal?.reason,
        };
      case 'total':
        return {
          kind: 'timeout',
          code: 'TimeoutError',
          phase: 'total',
          message: 'The call exceeded its total deadline',
        };
      case 'attempt':
        return {
          kind: 'timeout',
          code: phase === 'headers' ? 'UND_ERR_HEADERS_TIMEOUT' : 'UND_ERR_BODY_TIMEOUT',
          phase,
          message: `The attempt exceeded its deadline waiting for the ${phase === 'headers' ? 'response headers' : 'response body'}`,
        };
      default:
        return classifyError(error, now);
    }
  }

  private abort(cause: AbortCause): void {
    if (this.abortCause === 'caller' || this.abortCause === 'total') return;
    this.abortCause = cause;
    this.controller.abort(
      cause === 'caller' ? this.callerSignal?.reason : new DOMException(cause, 'TimeoutError'),
    );
  }

  private readonly onCallerAbort = (): void => this.abort('caller');
  private readonly onTotalTimeout = (): void => this.abort('total');
  private readonly onAttemptTimeout = (): void => this.abort('attempt');
}
