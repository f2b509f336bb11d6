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
  /**
   * Where the sweep holds it while armed (-1 or absent: not armed). The sweep's own
   * bookkeeping: implementers declare it as `sweepSlot = -1` so their shape never changes.
   */
  sweepSlot?: number;
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
  // An array with each deadline's slot written on it, not a Set: arming a fresh object
  // in a Set hashes it and the churn of deletes rehashes the table, on every attempt and
  // every call (issue 25's bisect). Disarming moves the last entry into the freed slot.
  private readonly armed: Deadline[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(options: DeadlineSweepOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 10;
  }

  /** Watches `deadline` until it expires or is disarmed (arming it again changes nothing). */
  arm(deadline: Deadline): void {
    const slot = deadline.sweepSlot;
    if (slot !== undefined && slot >= 0 && this.armed[slot] === deadline) return;
    deadline.sweepSlot = this.armed.length;
    this.armed.push(deadline);
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      // A deadline never keeps the process alive by itself.
      this.timer.unref();
    }
  }

  /** Stops watching `deadline` (nothing happens if it is not armed). */
  disarm(deadline: Deadline): void {
    const slot = deadline.sweepSlot;
    if (slot === undefined || slot < 0 || this.armed[slot] !== deadline) return;
    this.removeAt(slot);
  }

  /** Whether the interval is running. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** How many deadlines are armed. */
  get size(): number {
    return this.armed.length;
  }

  private removeAt(slot: number): void {
    const { armed } = this;
    const removed = armed[slot]!;
    const last = armed.pop()!;
    if (last !== removed) {
      armed[slot] = last;
      last.sweepSlot = slot;
    }
    removed.sweepSlot = -1;
  }

  private readonly sweep = (): void => {
    const { armed } = this;
    if (armed.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = this.now();
    // An expiry may arm or disarm others (or re-arm itself): the slot just emptied gets
    // the last entry, so it is looked at again before moving on.
    for (let slot = 0; slot < armed.length;) {
      const deadline = armed[slot]!;
      if (deadline.expiresAt > now) {
        slot++;
        continue;
      }
      this.removeAt(slot);
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
