import type { BudgetRecord } from '../policies/retryBudget/retryBudget.js';
import type { StateStore } from '../policies/stateStore.js';
import { numberOf, type Participant, RecentMap, upstreamTag } from './participant.js';
import type { RedisCommand } from './redisBackend.js';

/** Counts above this from Redis are not believed (bad or foreign data). */
const MAX_COUNT = 1e9;

/**
 * The retry budget's store for the fleet. Each replica adds what it counted to one hash per
 * upstream and window bucket (`{<prefix><upstream>}:budget:<bucket>`, fields `q` for first
 * attempts and `r` for retries; buckets are aligned on the epoch so every replica's line up)
 * and reads the fleet's sums back into `record.fleet`, minus its own share.
 */
export function sharedBudget(
  prefix: string,
  windowMs: number,
  buckets: number,
): { store: StateStore<BudgetRecord>; participant: Participant } {
  const bucketMs = windowMs / buckets;
  const local = new RecentMap<BudgetRecord>();
  /** Per upstream, what was pushed per absolute bucket: [first attempts, retries]. */
  const pushed = new RecentMap<Map<number, [number, number]>>();
  let reads: { upstream: string; index: number; bucket: number }[] = [];
  const keyOf = (upstream: string, bucket: number) => `${upstreamTag(prefix, upstream)}:budget:${bucket}`;
  return {
    store: { get: (upstream) => local.get(upstream), set: (upstream, record) => void local.set(upstream, record) },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = [];
        const nowBucket = Math.floor(now / bucketMs);
        reads = [];
        for (const [upstream, record] of local) {
          let mine = pushed.get(upstream);
          if (mine === undefined) pushed.set(upstream, (mine = new Map()));
          for (const bucket of mine.keys()) if (bucket <= nowBucket - buckets) mine.delete(bucket);
          for (let i = 0; i < buckets; i++) {
            const bucket = record.currentBucket - i;
            if (bucket <= nowBucket - buckets) break;
            const index = bucket % buckets;
            const sent = mine.get(bucket) ?? [0, 0];
            const requests = (record.requests[index] ?? 0) - sent[0];
            const retries = (record.retries[index] ?? 0) - sent[1];
            if (requests <= 0 && retries <= 0) continue;
            const key = keyOf(upstream, bucket);
            if (requests > 0) commands.push(['HINCRBY', key, 'q', requests]);
            if (retries > 0) commands.push(['HINCRBY', key, 'r', retries]);
            commands.push(['PEXPIRE', key, Math.ceil(windowMs * 2)]);
            mine.set(bucket, [sent[0] + Math.max(0, requests), sent[1] + Math.max(0, retries)]);
          }
          for (let bucket = nowBucket - buckets + 1; bucket <= nowBucket; bucket++) {
            reads.push({ upstream, index: commands.length, bucket });
            commands.push(['HMGET', keyOf(upstream, bucket), 'q', 'r']);
          }
        }
        return commands;
      },
      absorb(replies) {
        const totals = new Map<string, { requests: number; retries: number }>();
        for (const { upstream, index, bucket } of reads) {
          const reply = replies[index];
          if (!Array.isArray(reply)) continue;
          const mine = pushed.get(upstream)?.get(bucket) ?? [0, 0];
          const count = (value: unknown, own: number) => {
            const n = numberOf(value);
            return n === undefined || n < 0 || n > MAX_COUNT ? 0 : Math.max(0, n - own);
          };
          const total = totals.get(upstream) ?? { requests: 0, retries: 0 };
          total.requests += count(reply[0], mine[0]);
          total.retries += count(reply[1], mine[1]);
          totals.set(upstream, total);
        }
        for (const [upstream, fleet] of totals) {
          const record = local.get(upstream);
          if (record !== undefined) record.fleet = fleet;
        }
      },
      lapse() {
        for (const record of local.values()) record.fleet = undefined;
      },
    },
  };
}
