/**
 * The calls of this process that have started and not yet ended, and the gate
 * `shutdown()` closes: what lets shutdown wait for them before it flushes the signals
 * their endings write. Process-wide because the signals it flushes are. On the hot path a
 * call costs two counter updates and one flag read.
 */
export interface CallsInFlight {
  /** True once `close()` was called: a call about to start is refused, unsent. */
  closing(): boolean;
  /** A call starts. */
  enter(): void;
  /** A call ended (each `enter` has exactly one). */
  leave(): void;
  /** Calls started and not ended. */
  count(): number;
  /** Closes the gate: calls already in flight go on; new ones are refused. */
  close(): void;
  /** Opens it again (a new `init()` after a `shutdown()`). */
  open(): void;
  /** Resolves true when no call is in flight, or false after `timeoutMs` if some still are. */
  drained(timeoutMs: number): Promise<boolean>;
}

let inFlight = 0;
let closed = false;
// Only shutdown waits, and rarely: the hot path looks at this for undefined, nothing more.
let waiters: Set<() => void> | undefined;

/** This process's calls in flight (see {@link CallsInFlight}). */
export const callsInFlight: CallsInFlight = {
  closing: () => closed,
  enter() {
    inFlight++;
  },
  leave() {
    inFlight--;
    if (inFlight === 0 && waiters !== undefined) for (const wake of waiters) wake();
  },
  count: () => inFlight,
  close() {
    closed = true;
  },
  open() {
    closed = false;
  },
  drained(timeoutMs) {
    if (inFlight <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const done = (empty: boolean) => {
        clearTimeout(timer);
        waiters?.delete(wake);
        if (waiters?.size === 0) waiters = undefined;
        resolve(empty);
      };
      const wake = () => done(true);
      // Unref'd: waiting for calls must not be what keeps a process alive.
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      timer.unref?.();
      (waiters ??= new Set()).add(wake);
    });
  },
};
