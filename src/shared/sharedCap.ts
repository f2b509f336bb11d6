import { nodeCrypto } from '../core/nodeBuiltins.js';
import { fleetTag, numberOf, type Participant, RecentMap } from './participant.js';
import type { RedisCommand } from './redisBackend.js';

/** The Sentry cap's view of the fleet (see `ReportCap`). */
export interface FleetCap {
  /** Events the other replicas sent for `fingerprint` in this minute (0 when unknown). */
  othersSent(fingerprint: string, minute: number): number;
  /** This replica sent one event for `fingerprint` in `minute`. */
  sent(fingerprint: string, minute: number): void;
}

interface Counts {
  minute: number;
  sent: number;
  pushed: number;
  others: number;
  /** A round has pushed every event sent here and read the fleet's sum back. */
  confirmed: boolean;
}

/**
 * The Sentry cap for the fleet: events sent per fingerprint and minute are added up in
 * `{<prefix>#sentry}:cap:<sha1 of fingerprint>:<minute>` (expiring after two minutes): one
 * slot for the whole cap, so its commands make one pipeline in a cluster.
 */
export function sharedCap(prefix: string): { cap: FleetCap; participant: Participant } {
  const counts = new RecentMap<Counts>();
  // While Redis is unreachable the cap is this replica's alone, as without sharing.
  let down = false;
  let reads: { fingerprint: string; index: number; pushed: number }[] = [];
  const keyOf = (fingerprint: string, minute: number) =>
    `${fleetTag(prefix, 'sentry')}:cap:${nodeCrypto().createHash('sha1').update(fingerprint).digest('hex').slice(0, 20)}:${minute}`;
  return {
    cap: {
      othersSent(fingerprint, minute) {
        const entry = counts.get(fingerprint);
        // One event per replica between rounds: the fleet overshoots by at most one each.
        if (entry?.minute === minute) return entry.confirmed || down ? entry.others : Number.POSITIVE_INFINITY;
        // Watched from now on, so the next round reads what the others sent.
        counts.set(fingerprint, { minute, sent: 0, pushed: 0, others: 0, confirmed: true });
        return 0;
      },
      sent(fingerprint, minute) {
        const entry = counts.get(fingerprint);
        if (entry?.minute === minute) {
          entry.sent++;
          entry.confirmed = false;
        } else counts.set(fingerprint, { minute, sent: 1, pushed: 0, others: 0, confirmed: false });
      },
    },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = [];
        const minute = Math.floor(now / 60_000);
        reads = [];
        for (const [fingerprint, entry] of counts) {
          if (entry.minute < minute - 1) continue;
          const key = keyOf(fingerprint, entry.minute);
          if (entry.sent > entry.pushed) {
            commands.push(['INCRBY', key, entry.sent - entry.pushed], ['PEXPIRE', key, 120_000]);
            entry.pushed = entry.sent;
          }
          reads.push({ fingerprint, index: commands.length, pushed: entry.pushed });
          commands.push(['GET', key]);
        }
        return commands;
      },
      absorb(replies) {
        down = false;
        for (const { fingerprint, index, pushed } of reads) {
          const entry = counts.get(fingerprint);
          if (entry === undefined) continue;
          const total = numberOf(replies[index]);
          if (total !== undefined && total >= 0 && total <= 1e9) entry.others = Math.max(0, total - pushed);
          if (entry.sent === pushed) entry.confirmed = true;
        }
      },
      lapse() {
        down = true;
        for (const entry of counts.values()) entry.others = 0;
      },
    },
  };
}
