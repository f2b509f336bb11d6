import { ConfigError } from '../errors/ConfigError.js';

/**
 * The options of 0.1 and where 0.2 put them. Given, they would be ignored without a word
 * and a client would run on defaults it was not written for: each is a ConfigError that
 * says where it went.
 */
export const MOVED_CLIENT_OPTIONS: Readonly<Record<string, string>> = {
  timeoutMs: 'timeout: { totalMs }',
  attemptTimeoutMs: 'timeout: { attemptMs }',
  retry: 'resilience: [retry({ ... })] (or resilience: [] for none)',
  hedge: 'resilience: [..., hedge({ ... })]',
  fallback: 'resilience: [fallback({ ... }), ...]',
  logger: 'telemetry: { logger }',
  report: 'telemetry: { report }',
  logSampling: 'telemetry: { logSampling }',
  observers: 'telemetry: { observers }',
  spanHooks: 'telemetry: { spanHooks }',
  signals: 'telemetry: { enabled }',
  redactHeaders: 'redact: { headers }',
  redactQuery: 'redact: { query }',
  dispatcher: 'transport: { dispatcher }',
  maxRedirects: 'transport: { maxRedirects }',
  maxJsonBytes: 'transport: { maxJsonBytes }',
};

/** A call's options of 0.1 and where 0.2 put them (`dispatcher` stays fetch's, see createFetch). */
export const MOVED_REQUEST_OPTIONS: Readonly<Record<string, string>> = {
  timeoutMs: 'timeout: { totalMs }',
  attemptTimeoutMs: 'timeout: { attemptMs }',
  retry: 'resilience: [retry({ ... })] (or resilience: [] for none)',
  hedge: 'resilience: [..., hedge({ ... })] (a list without hedge for none)',
  fallback: 'resilience: [fallback({ ... }), ...] (a list without fallback for none)',
  dispatcher: 'transport: { dispatcher }',
};

/** Throws the ConfigError for the first moved option `options` still has. */
export function rejectMoved(options: object, moved: Readonly<Record<string, string>>): void {
  for (const key in moved) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    throw new ConfigError(key, 'given', 'moved in 0.2 (see the CHANGELOG: Migrating from 0.1)', moved[key] ?? '');
  }
}
