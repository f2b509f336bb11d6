import type { SharedState } from '../types/shared.js';
import type { RedisTarget } from './connectRedis.js';
import { sharedStateTo } from './sharedState.js';

/** A client's hold on the shared state the environment asked for; `release()` once, when it closes. */
export interface SharedStateLease {
  readonly shared: SharedState;
  /** Lets go of it: the last holder's release closes the connection. Idempotent. */
  release(): Promise<void>;
}

interface Held {
  readonly shared: SharedState;
  holders: number;
}

// One connection per target and prefix for the whole process, however many clients use it.
const byUrl = new Map<string, Held>();

/**
 * The one shared state of this process for a target and prefix (what `FAULTLINE_REDIS_URL`
 * and `FAULTLINE_REDIS_CLUSTER_NODES` turn on, with the TLS files), held by one more client. The connection is faultline's own, so faultline
 * closes it: when the last client holding it closes, or at `shutdown()`
 * ({@link closeSharedStatesFromEnv}). A later client opens a new one.
 */
export function sharedStateFor(target: RedisTarget, prefix: string | undefined): SharedStateLease {
  const id = JSON.stringify([
    prefix ?? '',
    target.url ?? '',
    target.clusterNodes ?? [],
    // The key is not enumerable in what the configuration read: named here on purpose.
    [target.tls?.ca, target.tls?.cert, target.tls?.key],
  ]);
  let held = byUrl.get(id);
  if (held === undefined) {
    held = { shared: sharedStateTo(target, prefix === undefined ? {} : { prefix }), holders: 0 };
    byUrl.set(id, held);
  }
  const mine = held;
  mine.holders++;
  let released: Promise<void> | undefined;
  return {
    shared: mine.shared,
    release() {
      released ??= (() => {
        mine.holders--;
        if (mine.holders > 0) return Promise.resolve();
        if (byUrl.get(id) === mine) byUrl.delete(id);
        return mine.shared.close();
      })();
      return released;
    },
  };
}

/** Closes every connection made from the environment, whoever still holds it (the process is ending). */
export async function closeSharedStatesFromEnv(): Promise<void> {
  const all = [...byUrl.values()];
  byUrl.clear();
  await Promise.all(all.map(({ shared }) => shared.close()));
}
