import type { AsyncLocalStorage } from 'node:async_hooks';
import { nodeAsyncHooks } from './nodeBuiltins.js';

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
// The store is made by the first deadline set, so an app without the service side never
// loads async_hooks for it.
const STORAGE = Symbol.for('faultline.callerDeadline');
const holder = globalThis as { [STORAGE]?: AsyncLocalStorage<CallerDeadline> };
let storage = holder[STORAGE];

/** The deadline of the request being handled, if any. */
export function currentCallerDeadline(): CallerDeadline | undefined {
  storage ??= holder[STORAGE];
  return storage?.getStore();
}

/** Runs `fn` (and everything it starts) under the caller's deadline. */
export function runWithCallerDeadline<T>(deadline: CallerDeadline, fn: () => T): T {
  storage ??= holder[STORAGE] ??= new (nodeAsyncHooks().AsyncLocalStorage)<CallerDeadline>();
  return storage.run(deadline, fn);
}
