import { classifyError } from '../classification/classifyError.js';
import { type Deadline, type DeadlineSweep, deadlineSweep } from '../transport/deadlineSweep.js';
import type { Failure } from '../types/failure.js';

/** Why the call was aborted. */
type AbortCause = 'caller' | 'total';

type Listener = () => void;

/**
 * The cancellation and total deadline of one call. The caller's AbortSignal and the
 * total deadline abort the call; it remembers which fired, so a failure is told as
 * `cancelled` or as a `timeout` in the `total` phase. (Each attempt's own deadline is
 * kept by the transport, whose errors carry their phase.)
 *
 * The total deadline is an entry on the shared deadline sweep, not a timer: a call arms
 * no timer at all. It is measured on the monotonic clock, not the client's `clock`.
 *
 * undici accepts an EventEmitter as a request's `signal`; this object is one, so the
 * hot path creates no AbortController. A real AbortSignal is made only when someone —
 * a backoff wait, a user hook — asks for `signal`.
 */
export class CallControl implements Deadline {
  /** The total deadline on the sweep's clock (Infinity: none). */
  expiresAt = Number.POSITIVE_INFINITY;
  /** The deadline sweep's bookkeeping (see `Deadline`). */
  sweepSlot = -1;
  private abortCause: AbortCause | undefined;
  private abortReason: unknown;
  private controller: AbortController | undefined;
  private listeners: Listener[] | undefined;
  private sweep: DeadlineSweep | undefined;
  /** The caller's own signal (and an incoming request's), without the total deadline. */
  readonly callerSignal: AbortSignal | undefined;

  constructor(callerSignal: AbortSignal | null | undefined, timeoutMs: number, sweep: DeadlineSweep = deadlineSweep) {
    if (callerSignal !== null && callerSignal !== undefined) {
      this.callerSignal = callerSignal;
      if (callerSignal.aborted) this.abort('caller');
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    if (timeoutMs > 0 && this.abortCause === undefined) {
      this.sweep = sweep;
      this.expiresAt = sweep.now() + timeoutMs;
      sweep.arm(this);
    }
  }

  /** Aborts when the caller gives up or the total deadline passes. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortCause !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** True once the caller aborted or the total deadline passed: nothing more may be tried. */
  get aborted(): boolean {
    return this.abortCause !== undefined;
  }

  /** True once the total deadline passed (not the caller's abort). */
  get expired(): boolean {
    return this.abortCause === 'total';
  }

  /** What the transport rejects with once aborted. */
  get reason(): unknown {
    return this.abortReason;
  }

  // The EventEmitter surface undici uses for a request's signal.
  on(_event: 'abort', listener: Listener): this {
    if (this.listeners === undefined) this.listeners = [listener];
    else this.listeners.push(listener);
    return this;
  }

  once(event: 'abort', listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: Listener): this {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index !== -1) this.listeners?.splice(index, 1);
    return this;
  }

  /** Disarms the deadline and lets go of the caller's signal. */
  finish(): void {
    if (this.sweep !== undefined) {
      this.sweep.disarm(this);
      this.sweep = undefined;
    }
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  /**
   * Classifies an error thrown while the call was under way: an abort we caused is the
   * caller's cancellation or the total deadline; anything else is classified as it is.
   */
  failureOf(error: unknown, now: number): Failure {
    switch (this.abortCause) {
      case 'caller':
        return {
          kind: 'cancelled',
          code: 'AbortError',
          message: 'The caller aborted the request',
          cause: this.abortReason,
        };
      case 'total':
        return {
          kind: 'timeout',
          code: 'TimeoutError',
          phase: 'total',
          message: 'The call exceeded its total deadline',
        };
      default:
        return classifyError(error, now);
    }
  }

  /** The sweep calls this when the total deadline has passed. */
  expire(): void {
    this.sweep = undefined;
    this.abort('total');
  }

  private abort(cause: AbortCause): void {
    if (this.abortCause !== undefined) return;
    this.abortCause = cause;
    this.abortReason =
      cause === 'caller'
        ? (this.callerSignal?.reason ?? new DOMException('This operation was aborted', 'AbortError'))
        : new DOMException('The call exceeded its total deadline', 'TimeoutError');
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
    this.controller?.abort(this.abortReason);
  }

  private readonly onCallerAbort = (): void => this.abort('caller');
}
