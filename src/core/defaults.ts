import { FAILURE_KINDS, type FailureKind } from './failureKinds.js';

/** Kinds that are never Sentry events by default: the caller's own doing, or no news. */
const QUIET_KINDS: readonly FailureKind[] = ['client', 'cancelled', 'circuit_open', 'load_shed'];
/** The kinds that mean the upstream is unwell: a fallback answers for them by default. */
const UNWELL_KINDS: readonly FailureKind[] = ['timeout', 'network', 'server', 'throttled', 'circuit_open', 'load_shed'];

/**
 * Every default faultline falls back to when neither code nor the environment sets a
 * value: the one place to read them (docs, `faultline check` and the code all use it).
 */
export const DEFAULTS = Object.freeze({
  timeoutMs: 30_000,
  attemptTimeoutMs: 10_000,
  maxRedirects: 10,
  maxJsonBytes: 32 * 1024 * 1024,
  retryMaxAttempts: 3,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 10_000,
  retryMaxRetryAfterMs: 60_000,
  /** All but client, cancelled, circuit_open and load_shed (refusals made here are counted, not reported). */
  reportKinds: Object.freeze(FAILURE_KINDS.filter((kind) => !QUIET_KINDS.includes(kind))) as readonly FailureKind[],
  reportCapPerMinute: 10,
  /** The kinds a `fallback` answers for: timeout, network, server, throttled, circuit_open, load_shed. */
  fallbackOn: Object.freeze([...UNWELL_KINDS]) as readonly FailureKind[],
  logLevel: 'info',
  logFormat: 'json',
  /** Failure lines of one fingerprint written in each second before sampling starts; 0 turns sampling off. */
  logSampleInitial: 100,
  /** After those, one line in this many is written (0: none until the next second). */
  logSampleThereafter: 100,
  /** Prefix of every key shared state writes in Redis. */
  redisPrefix: 'faultline:',
} as const);

/**
 * The value in force: an explicit option wins over the environment, which wins over the
 * default.
 */
export function settle<T>(option: T | undefined, env: T | undefined, fallback: T): T {
  return option ?? env ?? fallback;
}
