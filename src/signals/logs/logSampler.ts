import type { CallInfo } from '../../types/observers.js';

/** How many failure lines of one fingerprint are written each second. */
export interface LogSamplingRule {
  /** Lines written in each second before sampling starts (at least 1). */
  readonly initial: number;
  /** After those, one line in this many; 0 writes none until the next second. */
  readonly thereafter: number;
}

/** Counts the lines a sampler holds back, for the `faultline.log.suppressed` counter. */
export interface HeldBackCount {
  add(): void;
}

/** What {@link LogSampler.admit} returns for a line that is held back. */
export const HELD_BACK = -1;

/** Bounds the memory a storm of distinct fingerprints can take. */
const MAX_FINGERPRINTS = 1_000;

/** One fingerprint's second. */
interface Window {
  second: number;
  /** Lines seen in `second`, written or not. */
  seen: number;
  /** Lines held back since the last one written. */
  heldBack: number;
  /** Looked up when the fingerprint first holds a line back. */
  count: HeldBackCount | undefined;
}

/**
 * Samples failure log lines per fingerprint (upstream, method, route, kind) the way zap
 * samples: in each second of the client's clock the first `initial` lines are written,
 * then one in every `thereafter`. The next line written for a fingerprint says how many
 * were held back before it.
 *
 * A storm's line costs one map lookup by a string key and no allocation; the map holds at
 * most {@link MAX_FINGERPRINTS} fingerprints, and once that many are all busy in the same
 * second, lines of new ones share one window rather than grow it.
 */
export class LogSampler {
  private readonly windows = new Map<string, Window>();
  /** The window new fingerprints share while the map is full of this second's. */
  private readonly overflow: Window = { second: -1, seen: 0, heldBack: 0, count: undefined };
  /** The second the map was last found full and swept: one sweep a second at most. */
  private sweptIn = Number.NaN;

  constructor(
    private readonly rule: LogSamplingRule,
    private readonly now: () => number,
    /** Undefined when the metrics cannot be reached: nothing is counted, and it is asked again. */
    private readonly countOf: (call: CallInfo, kind: string) => HeldBackCount | undefined,
  ) {}

  /**
   * Decides on one failure line of `call` for `kind`, before the line is built. A `kept`
   * line is written whatever the rule says (it still counts towards the second's lines).
   *
   * @returns {@link HELD_BACK} to drop the line, else the number of this fingerprint's
   * lines held back since the last one written (0 for none).
   */
  admit(call: CallInfo, kind: string, kept = false): number {
    const second = Math.floor(this.now() / 1000);
    const key = `${call.upstream}\u0000${call.method}\u0000${call.route}\u0000${kind}`;
    const window = this.windows.get(key) ?? this.open(key, second);
    if (window.second !== second) {
      window.second = second;
      window.seen = 0;
    }
    const seen = ++window.seen;
    const { initial, thereafter } = this.rule;
    if (!kept && seen > initial && (thereafter === 0 || (seen - initial) % thereafter !== 0)) {
      window.heldBack++;
      // The shared overflow window counts for whichever fingerprint it holds back.
      if (window === this.overflow) this.countOf(call, kind)?.add();
      else (window.count ??= this.countOf(call, kind))?.add();
      return HELD_BACK;
    }
    const heldBack = window.heldBack;
    window.heldBack = 0;
    return heldBack;
  }

  private open(key: string, second: number): Window {
    if (this.windows.size >= MAX_FINGERPRINTS) {
      if (this.sweptIn === second) return this.overflow;
      this.sweptIn = second;
      // Past seconds' windows are forgotten lazily, only when room is needed: what they
      // still held back is already counted by the metric, only the next line's field is lost.
      for (const [old, window] of this.windows) if (window.second !== second) this.windows.delete(old);
      if (this.windows.size >= MAX_FINGERPRINTS) return this.overflow;
    }
    const window: Window = { second, seen: 0, heldBack: 0, count: undefined };
    this.windows.set(key, window);
    return window;
  }
}
