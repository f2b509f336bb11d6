import type { Clock } from '../../core/clock.js';
import type { Failure } from '../../types/failure.js';
import type { AdmissionRequest, AttemptEnd, LimiterInfo, Permit } from '../../types/policy.js';
import type { ConcurrencySettings } from './AdaptiveConcurrencyOptions.js';
import { CANNOT_MEET_DEADLINE, LIMIT_REACHED, WAITED_TOO_LONG } from './concurrencyRefusal.js';
import { GradientLimit } from './gradientLimit.js';
import { noop } from '../../core/noop.js';

type Admission = Permit | Failure;

/** A call waiting for a place. */
interface Waiter {
  readonly resolve: (admission: Admission) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  /** Ends the `maxWaitMs` wait once the call leaves the queue. */
  readonly timer: AbortController;
}

/**
 * One upstream's (or route's) limit: the attempts in flight, the FIFO queue of calls
 * beyond the limit, and the controller that moves the limit. Single-threaded: every
 * change happens in one synchronous step, so a place is never given twice.
 */
export class ConcurrencyLimiter implements LimiterInfo {
  inFlight = 0;
  readonly controller: GradientLimit;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly key: string,
    readonly upstream: string,
    readonly route: string | undefined,
    private readonly settings: ConcurrencySettings,
    private readonly clock: Clock,
    random?: () => number,
  ) {
    this.controller = new GradientLimit(settings, random);
  }

  get limit(): number {
    return this.controller.limit;
  }

  /** Calls waiting in the queue. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * A place now; else a place later (queued); else a refusal. A hedge never queues. The
   * queue refuses at once a call it could not admit within `maxWaitMs` or what is left of
   * the call's total timeout, by the rate places free up (limit ÷ sampleRTT).
   */
  acquire(request: AdmissionRequest): Admission | Promise<Admission> {
    const { controller, settings, queue } = this;
    controller.tick(this.clock.now(), this.inFlight);
    if (this.inFlight < controller.limit && queue.length === 0) return this.admit();
    if (request.hedge === true || queue.length >= settings.queueSize) return LIMIT_REACHED;
    const rtt = controller.sampleRttMs > 0 ? controller.sampleRttMs : controller.minRttMs > 0 ? controller.minRttMs : 0;
    const ahead = queue.length + 1 + Math.max(0, this.inFlight - controller.limit);
    const expectedWaitMs = (ahead * rtt) / controller.limit;
    if (expectedWaitMs > settings.maxWaitMs || expectedWaitMs + rtt > request.remainingMs) return CANNOT_MEET_DEADLINE;
    return this.enqueue(request.signal);
  }

  /** An admitted attempt ended: its place is free, its RTT is a sample, the queue moves on. */
  release(place: Place, end: AttemptEnd): void {
    this.inFlight--;
    // A fast failure says nothing about queueing upstream; a timeout is a lower bound of the RTT.
    if (end.outcome === 'success' || (end.outcome === 'failure' && end.failure?.kind === 'timeout'))
      this.controller.sample(end.durationMs, this.clock.now(), place.probe, this.inFlight + 1);
    this.drain();
  }

  private admit(): Permit {
    this.inFlight++;
    const { controller } = this;
    return new Place(this, controller.probing ? controller.probe : 0);
  }

  private enqueue(signal: AbortSignal): Promise<Admission> {
    return new Promise<Admission>((resolve, reject) => {
      const timer = new AbortController();
      const waiter: Waiter = {
        resolve,
        signal,
        timer,
        onAbort: () => {
          this.leave(waiter);
          reject(signal.reason);
        },
      };
      this.queue.push(waiter);
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.clock.sleep(this.settings.maxWaitMs, timer.signal).then(() => {
        if (this.leave(waiter)) resolve(WAITED_TOO_LONG);
      }, noop);
    });
  }

  /** Takes a waiter out of the queue; false when it had left already. */
  private leave(waiter: Waiter): boolean {
    const index = this.queue.indexOf(waiter);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.timer.abort();
    return true;
  }

  /** Gives free places to the waiting calls, first come first served. */
  drain(): void {
    const { queue, controller } = this;
    while (queue.length > 0 && this.inFlight < controller.limit) {
      const waiter = queue.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.timer.abort();
      waiter.resolve(this.admit());
    }
  }
}

/** The place of one admitted attempt: released once (a second release is ignored). */
class Place implements Permit {
  private released = false;

  constructor(
    private readonly limiter: ConcurrencyLimiter,
    /** The probe it was admitted in (0: none): only a probe's own attempts measure minRTT. */
    readonly probe: number,
  ) {}

  release(end: AttemptEnd): void {
    if (this.released) return;
    this.released = true;
    this.limiter.release(this, end);
  }
}
