import type { StateStore } from '../policies/stateStore.js';
import { throttleKey, type ThrottleRecord } from '../policies/throttle/throttleHold.js';
import { numberOf, type Participant, RecentMap, upstreamTag } from './participant.js';
import type { RedisCommand } from './redisBackend.js';

/** Longest throttle taken from the fleet (a foreign value cannot hold an upstream for ever). */
const MAX_HOLD_MS = 3_600_000;

/**
 * The throttle gate's store for the fleet: a hold the fleet does not know of yet is pushed
 * at once (`onNews`) into one hash per upstream, `{<prefix><upstream>}:throttle`, field the route,
 * value until when (the hash expires when its throttle ends); every upstream this replica
 * calls is read back whole, so a throttle another replica learned holds here too, on any
 * route.
 */
export function sharedThrottle(
  prefix: string,
  onNews: () => void,
  clock: () => number,
): { store: StateStore<ThrottleRecord>; participant: Participant } {
  const local = new RecentMap<ThrottleRecord>();
  const pushed = new RecentMap<number>();
  const upstreams = new RecentMap<true>(1000);
  let reads: { upstream: string; index: number }[] = [];
  const keyOf = (upstream: string) => `${upstreamTag(prefix, upstream)}:throttle`;
  const upstreamOf = (key: string) => key.slice(0, Math.max(0, key.indexOf('\n')));
  return {
    store: {
      get(key) {
        const upstream = upstreamOf(key);
        if (!upstreams.has(upstream)) upstreams.set(upstream, true);
        return local.get(key);
      },
      set(key, record) {
        local.set(key, record);
        // At once only when the fleet holds nothing here yet: in a storm every 429 answered
        // moves the end of the hold on, and a round per answer would make Redis load follow
        // the traffic. A later end of a hold the fleet keeps waits for the next round.
        const told = pushed.get(key) ?? 0;
        if (record.until > told && told <= clock()) onNews();
      },
    },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = [];
        for (const [key, { until }] of local) {
          if (until <= now || until <= (pushed.get(key) ?? 0)) continue;
          const hash = keyOf(upstreamOf(key));
          commands.push(['HSET', hash, key.slice(key.indexOf('\n') + 1), String(until)]);
          commands.push(['PEXPIRE', hash, Math.ceil(until - now)]);
          pushed.set(key, until);
        }
        reads = [];
        for (const upstream of upstreams.keys()) {
          reads.push({ upstream, index: commands.length });
          commands.push(['HGETALL', keyOf(upstream)]);
        }
        return commands;
      },
      absorb(replies, now) {
        for (const { upstream, index } of reads) {
          for (const [route, value] of entriesOf(replies[index])) {
            const until = numberOf(value);
            if (until === undefined || until <= now || until > now + MAX_HOLD_MS) continue;
            const key = throttleKey(upstream, route);
            const record = local.get(key);
            if (record === undefined) local.set(key, { until });
            else if (until > record.until) record.until = until;
            pushed.set(key, Math.max(until, pushed.get(key) ?? 0));
          }
        }
      },
      // A throttle already learned stays learned: it is the upstream's own word.
      lapse: () => undefined,
    },
  };
}

/** An HGETALL reply as pairs: ioredis gives an object, node-redis a flat array. */
export function entriesOf(reply: unknown): [string, unknown][] {
  if (Array.isArray(reply)) {
    const pairs: [string, unknown][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), reply[i + 1]]);
    return pairs;
  }
  if (reply === null || typeof reply !== 'object' || reply instanceof Error) return [];
  return Object.entries(reply as Record<string, unknown>);
}
