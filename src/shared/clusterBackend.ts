import type { RedisBackend, RedisCommand } from './redisCommand.js';

/** The part of an ioredis (or iovalkey) `Cluster` faultline calls. */
export interface IoredisClusterLike {
  readonly isCluster: true;
  call(command: string, args: (string | number)[]): Promise<unknown>;
}

/** The part of a node-redis v4+ cluster client (`createCluster()`) faultline calls. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getMasters(): readonly unknown[];
}

/** Each command's reply, or the error it failed with, in order. */
async function settled(sent: Promise<unknown>[]): Promise<unknown[]> {
  const results = await Promise.allSettled(sent);
  return results.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as unknown)));
}

/*
 * In a cluster each command goes on its own, routed by its key (the second word of every
 * command a participant sends; a command on two keys keeps them under one hash tag), all
 * in the same tick: the client writes them without waiting for replies, so a round is
 * still one round trip per node, and the client follows MOVED and ASK per command. Not an
 * ioredis pipeline per slot: ioredis re-sends a redirected pipeline whole, to the node the
 * redirection names, so while a slot migrates the reads of keys not moved yet would come
 * back empty from the importing node (test/reliability/clusterFaults.test.ts shows it).
 * What no client can follow — a slot no master serves (CLUSTERDOWN), a migration under way
 * for a command on two keys (TRYAGAIN) — comes back as that command's error, which makes
 * the round an outage (`outageOf`). PING goes to any node.
 */

/** A backend over the app's ioredis `Cluster` (never closed by faultline). */
export function ioredisClusterBackend(cluster: IoredisClusterLike): RedisBackend {
  return {
    exec: (commands: readonly RedisCommand[]) =>
      settled(commands.map(([name, ...args]) => cluster.call(name.toLowerCase(), args))),
    close: () => Promise.resolve(),
  };
}

/**
 * A backend over the app's node-redis cluster (never closed by faultline). Reads go to
 * masters too: a replica may lag a round.
 */
export function nodeRedisClusterBackend(cluster: NodeRedisClusterLike): RedisBackend {
  return {
    exec: (commands: readonly RedisCommand[]) =>
      settled(
        commands.map((command) => {
          const key = command[1];
          return cluster.sendCommand(key === undefined ? undefined : String(key), false, command.map(String));
        }),
      ),
    close: () => Promise.resolve(),
  };
}
