import type { TransportAbortEmitter } from '../transport/undiciTransport.js';
import type { AttemptScope } from '../types/observers.js';
import type { CallControl } from './CallControl.js';

type Listener = () => void;

/**
 * One attempt of a hedge race: its own abort (a losing attempt is aborted without the call)
 * that also follows the call's, and what the race needs to know of it while it is in flight.
 * Made only when a call hedges; a call without hedging sends on its CallControl directly.
 */
export class AttemptLane implements TransportAbortEmitter {
  /** When it was sent (performance.now()). */
  readonly startedAt = performance.now();
  /** When its response headers arrived (performance.now()); 0 until then. */
  answeredAt = 0;
  /** The observers' hold on it, set as soon as the attempt starts. */
  scope: AttemptScope | undefined;
  private ownReason: unknown;
  private abortedByRace = false;
  private listeners: Listener[] = [];

  constructor(
    /** 0 for the attempt that is hedged, n for its n-th hedge. */
    readonly index: number,
    readonly attempt: number,
    private readonly control: CallControl,
  ) {
    control.on('abort', this.onCallAbort);
  }

  get aborted(): boolean {
    return this.abortedByRace || this.control.aborted;
  }

  get reason(): unknown {
    return this.abortedByRace ? this.ownReason : this.control.reason;
  }

  /** True once response headers arrived. */
  get answered(): boolean {
    return this.answeredAt !== 0;
  }

  markAnswered(): void {
    if (this.answeredAt === 0) this.answeredAt = performance.now();
  }

  on(_event: 'abort', listener: Listener): this {
    this.listeners.push(listener);
    return this;
  }

  once(event: 'abort', listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: Listener): this {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
    return this;
  }

  /** Aborts this attempt alone (another one answered first). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.abortedByRace = true;
    this.ownReason = reason;
    this.emit();
  }

  /** Lets go of the call's abort (the attempt has settled). */
  release(): void {
    this.control.removeListener('abort', this.onCallAbort);
  }

  private emit(): void {
    const { listeners } = this;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  private readonly onCallAbort = (): void => {
    if (!this.abortedByRace) this.emit();
  };
}
