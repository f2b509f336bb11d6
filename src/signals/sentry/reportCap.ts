import type { FleetCap } from '../../shared/sharedCap.js';

/** Bounds the memory a storm of distinct fingerprints can take. */
const MAX_FINGERPRINTS = 10_000;
const WINDOW_MS = 60_000;

interface Window {
  start: number;
  sent: number;
  suppressed: number;
}

/** What the cap decided for one event. */
export interface CapDecision {
  readonly admitted: boolean;
  /** Events suppressed since the last one that went through (reported with this one). */
  readonly suppressedBefore: number;
}

/**
 * At most `capPerMinute` Sentry events per fingerprint per minute, so an outage of one
 * endpoint cannot flood Sentry; the next event let through carries the number held back.
 */
export class ReportCap {
  private readonly windows = new Map<string, Window>();

  /** With `fleet`, the cap holds for every replica together, over minutes aligned on the clock. */
  constructor(
    private readonly capPerMinute: number,
    private readonly fleet?: FleetCap,
  ) {}

  admit(fingerprint: string, now: number): CapDecision {
    const { fleet } = this;
    const start = fleet === undefined ? now : now - (now % WINDOW_MS);
    let window = this.windows.get(fingerprint);
    if (window === undefined) {
      if (this.windows.size >= MAX_FINGERPRINTS) this.evict(now);
      window = { start, sent: 0, suppressed: 0 };
      this.windows.set(fingerprint, window);
    } else if (now - window.start >= WINDOW_MS) {
      window.start = start;
      window.sent = 0;
    }
    const minute = window.start / WINDOW_MS;
    const others = fleet === undefined ? 0 : fleet.othersSent(fingerprint, minute);
    if (window.sent + others >= this.capPerMinute) {
      window.suppressed++;
      return { admitted: false, suppressedBefore: 0 };
    }
    window.sent++;
    fleet?.sent(fingerprint, minute);
    const suppressedBefore = window.suppressed;
    window.suppressed = 0;
    return { admitted: true, suppressedBefore };
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start >= WINDOW_MS && window.suppressed === 0) this.windows.delete(key);
    }
    // Still full: forget the oldest half rather than grow without bound.
    if (this.windows.size >= MAX_FINGERPRINTS) {
      let drop = this.windows.size / 2;
      for (const key of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(key);
      }
    }
  }
}
