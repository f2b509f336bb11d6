import type { CircuitRecord } from '../policies/circuitBreaker/circuitRecord.js';
import type { StateStore } from '../policies/stateStore.js';
import { keyPart, numberOf, type Participant, RecentMap, upstreamTag } from './participant.js';
import type { RedisCommand } from './redisBackend.js';
import { entriesOf } from './sharedThrottle.js';

/** How the fleet decides to open a circuit. */
export interface FleetCircuitSettings {
  readonly halfOpenAfterMs: number;
  /** Replicas that must each have seen failures. */
  readonly quorum: number;
  /** Failures and answers the fleet must have seen over the window. */
  readonly minThroughput: number;
  /** Share of failures among them that opens the circuit. */
  readonly failureRatio: number;
  readonly windowMs: number;
  /** Share of slow calls among them that opens the circuit; undefined when no slow-call rule. */
  readonly slowCallRatio?: number | undefined;
}

/** Buckets of at least a second, and no more than 10 of them per window (each is a read per round). */
const MIN_BUCKET_MS = 1000;

interface Seen {
  failures: number;
  successes: number;
  slow: number;
  closedAt: number;
  reopenedAt: number;
}

/**
 * The circuit breaker's store for the fleet. Evidence is counted per replica in one hash
 * per circuit and bucket (`{<prefix><upstream>}:circuit:<bucket>`, or
 * `{<prefix><upstream>}:circuit:<route>:<bucket>` for a breaker per route; fields
 * `f:<replica>`, `s:<replica>` and, for slow calls, `w:<replica>`); the fleet opens a circuit
 * (`…:circuit:open`) only when at least `quorum` replicas saw failures (or slow
 * calls), with `minThroughput` and `failureRatio` (or `slowCallRatio`) over the window —
 * one sick replica cannot trip the others. One replica wins the half-open trial
 * (`:trial`, SET NX) and tells the fleet when it closed (`:closed`).
 */
export function sharedCircuit(
  prefix: string,
  replica: string,
  settings: FleetCircuitSettings,
): { store: StateStore<CircuitRecord>; participant: Participant } {
  const local = new RecentMap<CircuitRecord>();
  const seen = new RecentMap<Seen>();
  const pending: RedisCommand[] = [];
  let reads: { key: string; open: number; closed: number; trial: number; evidence: number; from: number }[] = [];
  const base = (key: string) => {
    // A breaker's key is its upstream, then a space and the route when it is per route.
    const space = key.indexOf(' ');
    if (space < 0) return `${upstreamTag(prefix, key)}:circuit`;
    return `${upstreamTag(prefix, key.slice(0, space))}:circuit:${keyPart(key.slice(space + 1))}`;
  };
  const bucketMs = Math.max(MIN_BUCKET_MS, Math.ceil(settings.windowMs / 10));
  const buckets = Math.max(1, Math.ceil(settings.windowMs / bucketMs));
  return {
    store: { get: (key) => local.get(key), set: (key, record) => void local.set(key, record) },
    participant: {
      collect(now) {
        const commands: RedisCommand[] = pending.splice(0);
        reads = [];
        const bucket = Math.floor(now / bucketMs);
        for (const [key, record] of local) {
          const k = base(key);
          let mine = seen.get(key);
          if (mine === undefined)
            seen.set(key, (mine = { failures: 0, successes: 0, slow: 0, closedAt: 0, reopenedAt: 0 }));
          const failures = (record.failures ?? 0) - mine.failures;
          const successes = (record.successes ?? 0) - mine.successes;
          const slow = (record.slowCalls ?? 0) - mine.slow;
          if (failures > 0) commands.push(['HINCRBY', `${k}:${bucket}`, `f:${replica}`, failures]);
          if (successes > 0) commands.push(['HINCRBY', `${k}:${bucket}`, `s:${replica}`, successes]);
          if (slow > 0) commands.push(['HINCRBY', `${k}:${bucket}`, `w:${replica}`, slow]);
          if (failures > 0 || successes > 0) commands.push(['PEXPIRE', `${k}:${bucket}`, settings.windowMs * 2]);
          mine.failures = record.failures ?? 0;
          mine.successes = record.successes ?? 0;
          mine.slow = record.slowCalls ?? 0;
          const { fleetOpenedAt } = record;
          if (fleetOpenedAt !== undefined) {
            const closedAt = record.closedAt ?? 0;
            if (record.state === 'closed' && closedAt > fleetOpenedAt && closedAt > mine.closedAt) {
              // This replica's trial succeeded (or it saw the fleet close): the fleet closes.
              mine.closedAt = closedAt;
              commands.push(['SET', `${k}:closed`, closedAt, 'PX', settings.windowMs * 3]);
              commands.push(['DEL', `${k}:open`, `${k}:trial`]);
            } else if (
              record.state === 'open' &&
              record.openedAt > fleetOpenedAt &&
              record.openedAt > mine.reopenedAt
            ) {
              // Its trial failed: the fleet stays open for another round.
              mine.reopenedAt = record.openedAt;
              commands.push(['SET', `${k}:open`, record.openedAt, 'PX', settings.halfOpenAfterMs * 2]);
              commands.push(['DEL', `${k}:trial`]);
            }
          }
          const due = record.state !== 'closed' && now - record.openedAt >= settings.halfOpenAfterMs;
          const wantsTrial = fleetOpenedAt !== undefined && due && record.trialTicket !== true;
          const read = { key, open: 0, closed: 0, trial: -1, evidence: 0, from: bucket - buckets + 1 };
          if (wantsTrial) {
            read.trial = commands.length;
            commands.push(['SET', `${k}:trial`, replica, 'NX', 'PX', settings.halfOpenAfterMs]);
          }
          read.open = commands.length;
          commands.push(['GET', `${k}:open`]);
          read.closed = commands.length;
          commands.push(['GET', `${k}:closed`]);
          read.evidence = commands.length;
          for (let b = read.from; b <= bucket; b++) commands.push(['HGETALL', `${k}:${b}`]);
          reads.push(read);
        }
        return commands;
      },
      absorb(replies, now) {
        for (const read of reads) {
          const record = local.get(read.key);
          if (record === undefined) continue;
          if (read.trial >= 0 && replies[read.trial] === 'OK') record.trialTicket = true;
          const plausible = (value: unknown) => {
            const at = numberOf(value);
            return at !== undefined && at > 0 && at <= now + 60_000 ? at : undefined;
          };
          const openedAt = plausible(replies[read.open]);
          const closedAt = plausible(replies[read.closed]) ?? 0;
          if (closedAt > 0 && closedAt > (record.fleetOpenedAt ?? 0)) {
            record.fleetClosedAt = closedAt;
            record.fleetOpenedAt = undefined;
          }
          if (openedAt !== undefined && openedAt > closedAt) {
            record.fleetOpenedAt = Math.max(record.fleetOpenedAt ?? 0, openedAt);
            continue;
          }
          if (record.fleetOpenedAt !== undefined) continue;
          // No fleet decision yet: does the evidence since the last close call for one?
          let failures = 0;
          let successes = 0;
          let slow = 0;
          const failing = new Set<string>();
          const slowing = new Set<string>();
          for (let i = 0; i < buckets; i++) {
            if ((read.from + i) * bucketMs < closedAt) continue;
            for (const [field, value] of entriesOf(replies[read.evidence + i])) {
              const n = numberOf(value);
              if (n === undefined || n <= 0 || n > 1e9) continue;
              if (field.startsWith('f:')) {
                failures += n;
                failing.add(field);
              } else if (field.startsWith('s:')) successes += n;
              else if (field.startsWith('w:')) {
                slow += n;
                slowing.add(field);
              }
            }
          }
          const total = failures + successes;
          const { quorum, slowCallRatio } = settings;
          const byFailures = failing.size >= quorum && failures / total >= settings.failureRatio;
          const bySlowCalls = slowCallRatio !== undefined && slowing.size >= quorum && slow / total >= slowCallRatio;
          if (total >= settings.minThroughput && total > 0 && (byFailures || bySlowCalls)) {
            record.fleetOpenedAt = now;
            pending.push(['SET', `${base(read.key)}:open`, now, 'NX', 'PX', settings.halfOpenAfterMs * 2]);
          }
        }
      },
      lapse() {
        for (const record of local.values()) {
          record.fleetOpenedAt = undefined;
          record.fleetClosedAt = undefined;
          record.trialTicket = false;
        }
      },
    },
  };
}
