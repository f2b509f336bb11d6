import { untilAborted } from '../core/promises.js';
import type { AnswerTime } from '../policies/composePolicies.js';
import type { Deadline, DeadlineSweep } from '../transport/deadlineSweep.js';

/**
 * The time an async fallback has: until the caller aborts or `limitMs` passes (an entry
 * on the shared deadline sweep, not a timer of its own). Its signal is the one the
 * fallback is handed for its own I/O.
 */
export class FallbackLimit implements Deadline, AnswerTime {
  expiresAt = Number.POSITIVE_INFINITY;
  /** The deadline sweep's bookkeeping (see `Deadline`). */
  sweepSlot = -1;
  private controller: AbortController | undefined;
  private timedOut: DOMException | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    private readonly limitMs: number,
    private readonly sweep: DeadlineSweep,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      const caller = this.callerSignal;
      if (this.timedOut !== undefined) controller.abort(this.timedOut);
      else if (caller?.aborted === true) controller.abort(caller.reason);
      else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    return this.controller.signal;
  }

  get callerAborted(): boolean {
    return this.callerSignal?.aborted === true;
  }

  /**
   * Waits for the answer, no longer than the caller and the limit allow. The limit runs
   * from the first wait: an inner fallback asked after an outer one failed has what is left.
   */
  wait<T>(answer: PromiseLike<T>): Promise<T> {
    if (this.limitMs > 0 && Number.isFinite(this.limitMs) && this.expiresAt === Number.POSITIVE_INFINITY) {
      this.expiresAt = this.sweep.now() + this.limitMs;
      this.sweep.arm(this);
    }
    const settled = untilAborted(answer, this.signal);
    settled.then(
      () => this.finish(),
      () => this.finish(),
    );
    return settled;
  }

  expire(): void {
    this.timedOut = new DOMException(`The fallback did not answer within ${this.limitMs} ms`, 'TimeoutError');
    this.controller?.abort(this.timedOut);
  }

  finish(): void {
    this.sweep.disarm(this);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private readonly onCallerAbort = (): void => this.controller?.abort(this.callerSignal?.reason);
}
