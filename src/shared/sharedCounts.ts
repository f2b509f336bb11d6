import type { SlidingCounts } from '../policies/slidingCounts.js';
import type { StateStore } from '../policies/stateStore.js';
import { numberOf, type Participant, RecentMap, upstreamTag } from './participant.js';
import type { RedisCommand } from './redisBackend.js';

/** Counts above this from Redis are not believed (bad or foreign data). */
const MAX_COUNT = 1e9;

/** How one kind of sliding counts is laid out in Redis. */
export interface CountsLayout<F extends string> {
  /** The key's middle part: `{<prefix><key>}:<name>:<bucket>`. */
  readonly name: string;
  /** The record's counted fields, each with its short field name in the Redis hash. */
  readonly fields: readonly (readonly [F, string])[];
  readonly windowMs: number;
  readonly buckets: number;
}

/** The retry budget's layout: `{…}:budget:<bucket>`, `q` first attempts, `r` retries. */
export const BUDGET_LAYOUT = {
  name: 'budget',
  fields: [
    ['requests', 'q'],
    ['retries', 'r'],
  ],
} as const;
/**
 * The adaptive throttle's layout: `{…}:adaptive:<bucket>`, `q` requests, `a` accepts, `s`
 * sent (a new field next to the first two: a hash without it reads as none sent).
 */
export const ADAPTIVE_LAYOUT = {
  name: 'adaptive',
  fields: [
    ['requests', 'q'],
    ['accepts', 'a'],
    ['sent', 's'],
  ],
} as const;

/**
 * A store of sliding counts for the fleet (a retry budget's, an adaptive throttle's). Each
 * replica adds what it counted to one hash per key and window bucket and reads the fleet's
 * sums back into `record.fleet`, minus its own share. Buckets are aligned on the epoch so
 * every replica's line up.
 */
export function sharedCounts<F extends string>(
  prefix: string,
  layout: CountsLayout<F>,
): { store: StateStore<SlidingCounts<F>>; participant: Participant } {
  const { windowMs, buckets, fields } = layout;
  const bucketMs = windowMs / buckets;
  const local = new RecentMap<SlidingCounts<F>>();
  /** Per key, what was pushed per absolute bucket, one count per field. */
  const pushed = new RecentMap<Map<number, number[]>>();
  let reads: { key: string; index: number; bucket: number }[] = [];
  const keyOf = (key: string, bucket: number) => `${upstreamTag(prefix, key)}:${layout.name}:${bucket}`;
  const hashFields = fields.map(([, short]) => short);
  return {
    store: { get: (key) => local.get(key), set: (key, record) => void local.set(key, record) },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = [];
        const nowBucket = Math.floor(now / bucketMs);
        reads = [];
        for (const [key, record] of local) {
          let mine = pushed.get(key);
          if (mine === undefined) pushed.set(key, (mine = new Map()));
          for (const bucket of mine.keys()) if (bucket <= nowBucket - buckets) mine.delete(bucket);
          for (let i = 0; i < buckets; i++) {
            const bucket = record.currentBucket - i;
            if (bucket <= nowBucket - buckets) break;
            const index = bucket % buckets;
            const sent = mine.get(bucket) ?? fields.map(() => 0);
            const news = fields.map(([field], f) => (record[field][index] ?? 0) - (sent[f] ?? 0));
            if (news.every((n) => n <= 0)) continue;
            const redisKey = keyOf(key, bucket);
            news.forEach((n, f) => {
              if (n > 0) commands.push(['HINCRBY', redisKey, hashFields[f]!, n]);
            });
            commands.push(['PEXPIRE', redisKey, Math.ceil(windowMs * 2)]);
            mine.set(
              bucket,
              sent.map((s, f) => s + Math.max(0, news[f] ?? 0)),
            );
          }
          for (let bucket = nowBucket - buckets + 1; bucket <= nowBucket; bucket++) {
            reads.push({ key, index: commands.length, bucket });
            commands.push(['HMGET', keyOf(key, bucket), ...hashFields]);
          }
        }
        return commands;
      },
      absorb(replies) {
        const totals = new Map<string, number[]>();
        for (const { key, index, bucket } of reads) {
          const reply = replies[index];
          if (!Array.isArray(reply)) continue;
          const mine = pushed.get(key)?.get(bucket);
          const total = totals.get(key) ?? fields.map(() => 0);
          fields.forEach((_, f) => {
            const n = numberOf(reply[f]);
            if (n === undefined || n < 0 || n > MAX_COUNT) return;
            total[f] = (total[f] ?? 0) + Math.max(0, n - (mine?.[f] ?? 0));
          });
          totals.set(key, total);
        }
        for (const [key, total] of totals) {
          const record = local.get(key);
          if (record === undefined) continue;
          const fleet: Record<string, number> = {};
          fields.forEach(([field], f) => (fleet[field] = total[f] ?? 0));
          record.fleet = fleet as { readonly [K in F]: number };
        }
      },
      lapse() {
        for (const record of local.values()) record.fleet = undefined;
      },
    },
  };
}
