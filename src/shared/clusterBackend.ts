import type { RedisBackend, RedisCommand } from './redisCommand.js';
import { slotOf } from './slotOf.js';

/** The part of an ioredis (or iovalkey) `Cluster` faultline calls. */
export interface IoredisClusterLike {
  readonly isCluster: true;
  pipeline(commands: (string | number)[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** The part of a node-redis v4+ cluster client (`createCluster()`) faultline calls. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getMasters(): readonly unknown[];
}

/** A round's commands by slot: each group the indexes of its commands in the round. */
interface SlotGroups {
  /** Indexes of the keyless commands (PING): sent to any node. */
  readonly keyless: number[];
  readonly bySlot: Map<number, number[]>;
}

/**
 * Groups a round by the slot of each command's key (its second word: every command a
 * participant sends names its key there, and a command on several keys keeps them under
 * one hash tag).
 */
function groupBySlot(commands: readonly RedisCommand[]): SlotGroups {
  const keyless: number[] = [];
  const bySlot = new Map<number, number[]>();
  commands.forEach((command, index) => {
    const key = command[1];
    if (key === undefined) return void keyless.push(index);
    const slot = slotOf(String(key));
    const group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, [index]);
    else group.push(index);
  });
  return { keyless, bySlot };
}

/**
 * The pipelines to send: one per slot, and the keyless commands (PING) in one of their own.
 * ioredis follows a MOVED or ASK for a pipeline only when every command that failed got the
 * same redirection and every other was read-only: PING (not flagged read-only) answered by
 * any node beside a slot's redirected commands would stop it for good.
 */
function batchesOf({ keyless, bySlot }: SlotGroups): number[][] {
  const batches = [...bySlot.values()];
  if (keyless.length > 0) batches.push(keyless);
  return batches;
}

/**
 * A backend over the app's ioredis `Cluster`: one pipeline per slot (and PING in its own),
 * sent in parallel, the replies put back in the round's order. ioredis refuses a pipeline whose keys are not all
 * served by one node, follows MOVED and ASK by itself and re-sends after a failover; what
 * it cannot — a slot no master serves (CLUSTERDOWN), a migration under way (TRYAGAIN) —
 * comes back as the group's errors, which make the round an outage (`outageOf`).
 */
export function ioredisClusterBackend(cluster: IoredisClusterLike): RedisBackend {
  return {
    async exec(commands) {
      const replies: unknown[] = new Array<unknown>(commands.length);
      await Promise.all(
        batchesOf(groupBySlot(commands)).map(async (indexes) => {
          try {
            const sent = indexes.map((i) => {
              const [name, ...args] = commands[i]!;
              return [name.toLowerCase(), ...args];
            });
            const answered = await cluster.pipeline(sent).exec();
            if (answered === null) throw new Error('Redis pipeline was discarded');
            indexes.forEach((i, at) => {
              const [error, value] = answered[at] ?? [new Error('no reply'), undefined];
              replies[i] = error ?? value;
            });
          } catch (error) {
            for (const i of indexes) replies[i] = error;
          }
        }),
      );
      return replies;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * A backend over the app's node-redis cluster: each command routed by its key (node-redis
 * pipelines the commands of one tick to each node by itself, and follows MOVED and ASK),
 * PING to any master. Writes and reads all go to masters: a replica may lag a round.
 */
export function nodeRedisClusterBackend(cluster: NodeRedisClusterLike): RedisBackend {
  return {
    async exec(commands) {
      const settled = await Promise.allSettled(
        commands.map((command) => {
          const key = command[1];
          return cluster.sendCommand(key === undefined ? undefined : String(key), false, command.map(String));
        }),
      );
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as unknown)));
    },
    close: () => Promise.resolve(),
  };
}
