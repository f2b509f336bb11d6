import { composePolicies, type Resilience } from '../policies/composePolicies.js';
import type { Policy, PolicyContext } from '../types/policy.js';

/** Lists built per client, at most: a call passing a new array each time is built each time. */
const MAX_LISTS = 64;

/**
 * Builds a client's lists of policies with the client's context: its own list once, and a
 * call's own list once per array (kept by identity, the oldest forgotten past
 * {@link MAX_LISTS}), so `resilience: CALL_POLICIES` on every call costs a map lookup.
 */
export function resilienceBuilder(context: Omit<PolicyContext, 'policies'>): (list: readonly Policy[]) => Resilience {
  const built = new Map<readonly Policy[], Resilience>();
  return (list) => {
    let resilience = built.get(list);
    if (resilience === undefined) {
      resilience = composePolicies(list, context);
      built.set(list, resilience);
      if (built.size > MAX_LISTS) built.delete(built.keys().next().value as readonly Policy[]);
    }
    return resilience;
  };
}
