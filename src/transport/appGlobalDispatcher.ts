import type { DispatcherLike } from '../types/client.js';

/**
 * Where undici keeps the global dispatcher: every undici since 5 and Node's own fetch
 * read and write this key (undici 7 also writes `.2`, under the same value).
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

let lastSeen: unknown;
let lastVerdict: DispatcherLike | undefined;

/**
 * The dispatcher the application installed with undici's `setGlobalDispatcher`, or
 * undefined when there is none or it is undici's own default. Loading undici (or calling
 * Node's fetch once) installs a default `Agent`, so "a global dispatcher exists" says
 * nothing; an `Agent` built without options is taken for that default, since it behaves
 * as faultline's own pool would. Called per request, so a dispatcher installed after the
 * client was made is used too: one property read and one identity check, the closer look
 * only when the global changes.
 */
export function appGlobalDispatcher(): DispatcherLike | undefined {
  const current = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  if (current !== lastSeen) {
    lastSeen = current;
    lastVerdict = isDispatcher(current) && !isDefaultAgent(current) ? current : undefined;
  }
  return lastVerdict;
}

function isDispatcher(value: unknown): value is DispatcherLike {
  return typeof value === 'object' && value !== null && typeof (value as DispatcherLike).dispatch === 'function';
}

/**
 * An undici `Agent` whose options are all unset (undici 6 keeps `{}`, undici 7
 * `{ maxOrigins: Infinity, connect: undefined, tls: undefined }`). An Agent with TLS,
 * connect or pool options, and any other dispatcher (MockAgent, ProxyAgent, a composed
 * one), is the application's.
 */
function isDefaultAgent(dispatcher: DispatcherLike): boolean {
  if (dispatcher.constructor?.name !== 'Agent') return false;
  const key = Object.getOwnPropertySymbols(dispatcher).find((symbol) => symbol.description === 'options');
  const options = key === undefined ? undefined : (dispatcher as unknown as Record<symbol, unknown>)[key];
  if (typeof options !== 'object' || options === null) return false;
  return Object.entries(options).every(
    ([name, value]) => value === undefined || (name === 'maxOrigins' && value === Number.POSITIVE_INFINITY),
  );
}
