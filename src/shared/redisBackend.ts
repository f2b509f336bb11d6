/** One Redis command: its name, then its arguments. */
export type RedisCommand = readonly [string, ...(string | number)[]];

/**
 * What shared state needs of a Redis connection: a batch of commands sent in one round
 * trip, each reply (or the command's own error) in order. It may reject when the batch
 * could not be sent at all; whether errors among the replies mean Redis is out is decided
 * in one place for every backend (`outageOf`), not here.
 */
export interface RedisBackend {
  exec(commands: readonly RedisCommand[]): Promise<unknown[]>;
  /** Closes a connection faultline opened itself; the app's own client is left alone. */
  close(): Promise<void>;
}

/** The part of an ioredis (or iovalkey) client faultline calls. */
export interface IoredisLike {
  pipeline(commands: (string | number)[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** The part of a node-redis v4+ client faultline calls. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A backend over the app's own ioredis / iovalkey or node-redis client (never closed by faultline). */
export function backendOf(client: IoredisLike | NodeRedisLike): RedisBackend {
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
