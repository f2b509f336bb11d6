import type { RedisBackend } from './redisCommand.js';
import {
  type IoredisClusterLike,
  ioredisClusterBackend,
  type NodeRedisClusterLike,
  nodeRedisClusterBackend,
} from './clusterBackend.js';

// The contract lives apart so that the backends can use it without importing this file.
export type { RedisBackend, RedisCommand } from './redisCommand.js';

/** The part of an ioredis (or iovalkey) client faultline calls. */
export interface IoredisLike {
  pipeline(commands: (string | number)[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** The part of a node-redis v4+ client faultline calls. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Every client the app can give faultline. */
export type AppRedisClient = IoredisLike | NodeRedisLike | IoredisClusterLike | NodeRedisClusterLike;

/**
 * A backend over the app's own client (never closed by faultline): an ioredis / iovalkey
 * client or `Cluster`, a node-redis client or cluster (`createCluster()`).
 */
export function backendOf(client: AppRedisClient): RedisBackend {
  if ((client as Partial<IoredisClusterLike>).isCluster === true)
    return ioredisClusterBackend(client as IoredisClusterLike);
  if (typeof (client as Partial<NodeRedisClusterLike>).getMasters === 'function')
    return nodeRedisClusterBackend(client as NodeRedisClusterLike);
  if (typeof (client as IoredisLike).pipeline === 'function') {
    const io = client as IoredisLike;
    return {
      async exec(commands) {
        const replies = await io.pipeline(commands.map(([name, ...args]) => [name.toLowerCase(), ...args])).exec();
        if (replies === null) throw new Error('Redis pipeline was discarded');
        return replies.map(([error, value]) => error ?? value);
      },
      close: () => Promise.resolve(),
    };
  }
  const node = client as NodeRedisLike;
  return {
    // node-redis pipelines the commands of one tick by itself.
    async exec(commands) {
      const settled = await Promise.allSettled(commands.map((command) => node.sendCommand(command.map(String))));
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as unknown)));
    },
    close: () => Promise.resolve(),
  };
}
