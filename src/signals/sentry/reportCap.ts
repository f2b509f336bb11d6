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

  constructor(private readonly capPerMinute: number) {}

  admit(fingerprint: string, now: number): CapDecision {
    let window = this.windows.get(fingerprint);
    if (window === undefined) {
      if (this.windows.size >= MAX_FINGERPRINTS) this.evict(now);
      window = { start: now, sent: 0, suppressed: 0 };
      this.windows.set(fingerprint, window);
    } else if (now - window.start >= WINDOW_MS) {
      window.start = now;
      window.sent = 0;
    }
    if (window.sent >= this.capPerMinute) {
      window.suppressed++;
      return { admitted: false, suppressedBefore: 0 };
    }
    window.sent++;
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
