import type { StateStore } from './stateStore.js';

/** What a policy tells the fleet about its state of one kind, to build a shared store. */
export interface ShareRequest {
  readonly kind: 'budget' | 'circuit';
  /** The policy's settings the shared store needs (window, thresholds), in ms and counts. */
  readonly settings: Readonly<Record<string, number>>;
}

/** Builds a store shared by the fleet for a policy's state, in place of its in-memory default. */
export type ShareStore = <T>(request: ShareRequest) => StateStore<T>;

const sharers = new WeakMap<object, (share: ShareStore) => void>();

/**
 * Called by a policy that keeps its state in its default in-memory store: when a client
 * with shared state uses it, `switchTo` receives the shared store (once, for the first such
 * client). A policy given its own `store` is never switched.
 */
export function whenShared(policy: object, switchTo: (share: ShareStore) => void): void {
  sharers.set(policy, switchTo);
}

/** Moves every policy of a strategy chain that allows it onto the fleet's stores. */
export function shareStates(policies: Iterable<object>, share: ShareStore): void {
  for (const policy of policies) {
    const switchTo = sharers.get(policy);
    if (switchTo === undefined) continue;
    sharers.delete(policy);
    switchTo(share);
  }
}
