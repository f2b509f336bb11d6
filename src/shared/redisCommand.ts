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
