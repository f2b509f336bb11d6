import type { StateStore } from '../policies/stateStore.js';
import type { ThrottleRecord } from '../policies/throttleGate.js';
import { keyPart, numberOf, type Participant, RecentMap } from './participant.js';
import type { RedisCommand } from './redisBackend.js';

/** Longest throttle taken from the fleet (a foreign value cannot hold an upstream for ever). */
const MAX_HOLD_MS = 3_600_000;

/**
 * The throttle gate's store for the fleet: a Retry-After learned here is pushed as
 * `<prefix>throttle:<upstream>` (expiring when it ends); one learned by another replica is
 * read back and held here too. News is pushed at once (`onNews`), not at the next round.
 */
export function sharedThrottle(
  prefix: string,
  onNews: () => void,
): { store: StateStore<ThrottleRecord>; participant: Participant } {
  const local = new RecentMap<ThrottleRecord>();
  const pushed = new RecentMap<number>();
  let order: string[] = [];
  const keyOf = (upstream: string) => `${prefix}throttle:${keyPart(upstream)}`;
  return {
    store: {
      // Every upstream asked about is watched, so a throttle learned elsewhere reaches it.
      get(upstream) {
        let record = local.get(upstream);
        if (record === undefined) local.set(upstream, (record = { until: 0 }));
        return record;
      },
      set(upstream, record) {
        local.set(upstream, record);
        if (record.until > (pushed.get(upstream) ?? 0)) onNews();
      },
    },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = [];
        for (const [upstream, { until }] of local) {
          if (until > now && until > (pushed.get(upstream) ?? 0)) {
            commands.push(['SET', keyOf(upstream), String(until), 'PX', Math.ceil(until - now)]);
            pushed.set(upstream, until);
          }
        }
        const pushes = commands.length;
        order = [...local.keys()];
        for (const upstream of order) commands.push(['GET', keyOf(upstream)]);
        order = new Array<string>(pushes).fill('').concat(order);
        return commands;
      },
      absorb(replies, now) {
        replies.forEach((reply, i) => {
          const upstream = order[i];
          if (upstream === undefined || upstream === '') return;
          const until = numberOf(reply);
          if (until === undefined || until <= now || until > now + MAX_HOLD_MS) return;
          const record = local.get(upstream);
          if (record !== undefined && until > record.until) {
            record.until = until;
            pushed.set(upstream, until);
          }
        });
      },
      // A throttle already learned stays learned: it is the upstream's own word.
      lapse: () => undefined,
    },
  };
}
