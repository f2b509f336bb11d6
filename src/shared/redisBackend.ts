import { lazyRequire } from '../core/lazyRequire.js';
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

interface Unrefable {
  unref?(): unknown;
}
interface IoredisClient extends IoredisLike {
  on(event: string, listener: (arg: unknown) => void): void;
  quit(): Promise<unknown>;
  disconnect(): void;
  /** The current socket (a new one after each reconnect). */
  readonly stream?: Unrefable;
  /** The timer of the next reconnection, while one is due. */
  readonly reconnectTimeout?: Unrefable | null;
}
type IoredisConstructor = new (url: string, options: Record<string, unknown>) => IoredisClient;

// Loaded on first use only: `import 'faultline'` never loads a Redis client.
const loadIoredis = lazyRequire<{ default?: IoredisConstructor } & IoredisConstructor>('ioredis');

/**
 * A backend that connects to `url` with ioredis (an optional peer dependency). Commands
 * fail at once while disconnected instead of queueing, and give up after `timeoutMs`, so
 * a down or paused Redis never holds anything up; ioredis reconnects by itself. The
 * connection does not keep the process alive; `close()` ends it.
 *
 * @throws {Error} when ioredis is not installed.
 */
export function connectRedis(url: string, timeoutMs: number): RedisBackend {
  const module = loadIoredis();
  const Redis = module.default ?? module;
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
  // Health is judged by the sync rounds; the connection's own errors are expected noise.
  client.on('error', () => undefined);
  // Shared state is never a reason for a process to stay alive: neither its socket nor the
  // wait before a reconnection holds the event loop (a command waiting for its answer
  // does, until its commandTimeout). ioredis emits these after it set the socket or timer.
  client.on('connect', () => client.stream?.unref?.());
  client.on('reconnecting', () => client.reconnectTimeout?.unref?.());
  const backend = backendOf(client);
  return {
    exec: backend.exec,
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
