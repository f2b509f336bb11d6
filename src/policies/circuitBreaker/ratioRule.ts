import type { SamplingWindow } from './samplingWindow.js';

/** The window rules of a circuit breaker, settled from its options. */
export interface RatioRule {
  /** Share of failed calls over the window that opens the circuit. */
  readonly failureRatio: number;
  /** Calls the window must hold before a ratio can open the circuit. */
  readonly minimumThroughput: number;
  readonly samplingWindowMs: number;
  /** A call that takes longer than this is slow; `Infinity` when the slow-call rule is off. */
  readonly slowCallMs: number;
  /** Share of slow calls over the window that opens the circuit. */
  readonly slowCallRatio: number;
}

/** Why a window rule opened a circuit (also said in the refusal's message). */
export type RatioTrip = 'failure_ratio' | 'slow_call_ratio';

/**
 * Whether the window's counts open the circuit: only once it holds `minimumThroughput`
 * calls, when failures reach `failureRatio` of them (Polly v8) or slow calls reach
 * `slowCallRatio` (resilience4j). The window must have been slid to now.
 */
export function ratioRule(window: SamplingWindow, rule: RatioRule): RatioTrip | undefined {
  const { calls } = window;
  if (calls < rule.minimumThroughput || calls === 0) return undefined;
  if (window.failures > 0 && window.failures / calls >= rule.failureRatio) return 'failure_ratio';
  if (window.slow > 0 && window.slow / calls >= rule.slowCallRatio) return 'slow_call_ratio';
  return undefined;
}

/** The sentence a refusal gives for a circuit a window rule opened. */
export function ratioMessage(trip: RatioTrip, window: SamplingWindow, rule: RatioRule): string {
  const { calls } = window;
  const over = `${calls} calls over ${rule.samplingWindowMs} ms`;
  return trip === 'failure_ratio'
    ? `${window.failures} of ${over} failed (threshold ${percent(rule.failureRatio)})`
    : `${window.slow} of ${over} took longer than ${rule.slowCallMs} ms (threshold ${percent(rule.slowCallRatio)})`;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
