import type { ClientOptions, RequestObserver } from '../types.js';

/** The observers a client gets when its options name none: the signals of the process. */
export function defaultObservers(_options: ClientOptions): RequestObserver[] {
  return [];
}
