import { createHash } from 'node:crypto';
import { numberOf, type Participant, RecentMap } from './participant.js';
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
}

/**
 * The Sentry cap for the fleet: events sent per fingerprint and minute are added up in
 * `<prefix>cap:<sha1 of fingerprint>:<minute>` (expiring after two minutes).
 */
export function sharedCap(prefix: string): { cap: FleetCap; participant: Participant } {
  const counts = new RecentMap<Counts>();
  let reads: { fingerprint: string; index: number }[] = [];
  const keyOf = (fingerprint: string, minute: number) =>
    `${prefix}cap:${createHash('sha1').update(fingerprint).digest('hex').slice(0, 20)}:${minute}`;
  return {
    cap: {
      othersSent(fingerprint, minute) {
        const entry = counts.get(fingerprint);
        if (entry?.minute === minute) return entry.others;
        // Watched from now on, so the next round reads what the others sent.
        counts.set(fingerprint, { minute, sent: 0, pushed: 0, others: 0 });
        return 0;
      },
      sent(fingerprint, minute) {
        const entry = counts.get(fingerprint);
        if (entry?.minute === minute) entry.sent++;
        else counts.set(fingerprint, { minute, sent: 1, pushed: 0, others: 0 });
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
          reads.push({ fingerprint, index: commands.length });
          commands.push(['GET', key]);
        }
        return commands;
      },
      absorb(replies) {
        for (const { fingerprint, index } of reads) {
          const entry = counts.get(fingerprint);
          const total = numberOf(replies[index]);
          if (entry === undefined || total === undefined || total < 0 || total > 1e9) continue;
          entry.others = Math.max(0, total - entry.pushed);
        }
      },
      lapse() {
        for (const entry of counts.values()) entry.others = 0;
      },
    },
  };
}
