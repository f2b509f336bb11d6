/** Something with a deadline that a {@link DeadlineSweep} watches. */
export interface Deadline {
  /**
   * When it expires, in ms on the sweep's clock. Written freely while armed (a plain
   * number write, no timer touched): a later value pushes the deadline back.
   */
  expiresAt: number;
  /**
   * Called once `expiresAt` has passed, after the sweep disarmed it; it may arm itself
   * again with a later `expiresAt`. Must not throw.
   */
  expire(now: number): void;
}

/** Options of {@link DeadlineSweep}. */
export interface DeadlineSweepOptions {
  /**
   * The monotonic clock, in ms.
   * @default () => performance.now()
   */
  readonly now?: () => number;
  /**
   * How often armed deadlines are checked: a deadline fires at most this late (plus
   * whatever the event loop is busy with).
   * @default 10
   */
  readonly intervalMs?: number;
}

/**
 * One interval for every deadline in the process. A timer per request costs more than
 * the whole undici request on the success path (undici's own headers and body timers are
 * coarse for that reason: about a second late), so deadlines are entries in a set that
 * one unref'd interval scans every `intervalMs`. Arming and disarming are a set insert
 * and delete; moving a deadline is a number write. The interval runs only while something
 * is armed: it stops on the first tick that finds the set empty (not at each disarm, so
 * back-to-back calls do not start and stop a timer each).
 */
export class DeadlineSweep {
  /** The sweep's monotonic clock, in ms: deadlines are set on it. */
  readonly now: () => number;
  private readonly intervalMs: number;
  private readonly armed = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: DeadlineSweepOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 10;
  }

  /** Watches `deadline` until it expires or is disarmed. */
  arm(deadline: Deadline): void {
    this.armed.add(deadline);
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      // A deadline never keeps the process alive by itself.
      this.timer.unref();
    }
  }

  /** Stops watching `deadline` (nothing happens if it is not armed). */
  disarm(deadline: Deadline): void {
    this.armed.delete(deadline);
  }

  /** Whether the interval is running. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** How many deadlines are armed. */
  get size(): number {
    return this.armed.size;
  }

  private readonly sweep = (): void => {
    if (this.armed.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = this.now();
    for (const deadline of this.armed) {
      if (deadline.expiresAt > now) continue;
      this.armed.delete(deadline);
      try {
        deadline.expire(now);
      } catch {
        // An expiry aborts a request: nothing it throws may stop the other deadlines.
      }
    }
  };
}

/** The process's one sweep. */
export const deadlineSweep = new DeadlineSweep();
