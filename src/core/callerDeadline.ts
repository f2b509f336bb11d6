import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The deadline of the incoming request being handled, set by the service side
 * (`faultline/express`, `faultline/fastify`) and read by every client call made inside it.
 * It lives here, in the lowest layer, so the pipeline can read what the service side writes
 * without importing upward.
 */
export interface CallerDeadline {
  /** When the caller stops waiting, on the `performance.now()` timeline (Infinity: no budget). */
  readonly expiresAt: number;
  /** Aborts when the incoming request goes away before it was answered. */
  readonly signal?: AbortSignal | undefined;
  /** The header each outgoing call carries its remaining budget in, when the app asked for one. */
  readonly propagateHeader?: string | undefined;
}

// One store per process, not per copy of this module: an app whose service side and
// clients come from two copies of faultline (two versions in node_modules, or a bundle
// beside the unbundled modules) still carries the deadline from one to the other.
const STORAGE = Symbol.for('faultline.callerDeadline');
const storage = ((globalThis as { [STORAGE]?: AsyncLocalStorage<CallerDeadline> })[STORAGE] ??=
  new AsyncLocalStorage<CallerDeadline>());

/** The deadline of the request being handled, if any. */
export function currentCallerDeadline(): CallerDeadline | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it starts) under the caller's deadline. */
export function runWithCallerDeadline<T>(deadline: CallerDeadline, fn: () => T): T {
  return storage.run(deadline, fn);
}
