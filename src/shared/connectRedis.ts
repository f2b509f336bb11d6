import { lazyRequire } from '../core/lazyRequire.js';
import { backendOf, type IoredisLike, type RedisBackend } from './redisBackend.js';

/**
 * Where faultline connects by itself: a URL (scheme, credentials, host, database), and for
 * a Redis Cluster its seed nodes (the URL's host is one more seed); TLS material read once.
 */
export interface RedisTarget {
  /** `redis://` or `rediss://` (TLS), with `user:password@` for Redis ACLs or `AUTH`. */
  readonly url?: string;
  /** Seed nodes: with them, faultline connects to a Redis Cluster. */
  readonly clusterNodes?: readonly { readonly host: string; readonly port: number }[];
  /** PEM texts: extra CAs to trust, and a client certificate with its key. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

interface Unrefable {
  unref?(): unknown;
}
interface Emitter extends IoredisLike {
  on(event: string, listener: (arg: never) => void): void;
  once(event: string, listener: () => void): void;
  removeListener(event: string, listener: () => void): void;
  readonly status: string;
  quit(): Promise<unknown>;
  disconnect(): void;
}
interface IoredisClient extends Emitter {
  /** The current socket (a new one after each reconnect). */
  readonly stream?: Unrefable;
  /** The timer of the next reconnection, while one is due. */
  readonly reconnectTimeout?: Unrefable | null;
}
interface IoredisModule {
  /** Absent in ioredis 5.0 (the module itself is the class there, and its `default`). */
  Redis?: new (options: Record<string, unknown>) => IoredisClient;
  default?: new (options: Record<string, unknown>) => IoredisClient;
  Cluster: new (
    nodes: { host: string; port: number }[],
    options: Record<string, unknown>,
  ) => Emitter & {
    connect(): Promise<void>;
  };
}

// Loaded on first use only: `import 'faultline'` never loads a Redis client, nor node:tls.
const loadIoredis = lazyRequire<IoredisModule>('ioredis');
const loadTls = lazyRequire<typeof import('node:tls')>('node:tls');

const quiet = (): void => undefined;
/** What ioredis says of a command on a connection that is gone. */
const CLOSED = 'Connection is closed.';
/**
 * Whether an error says what failed; these two only follow a failure: a command on a
 * connection that is gone, a Redis Cluster none of whose nodes answered for the slots.
 */
const saysWhy = (error: Error | undefined): boolean =>
  error?.message !== CLOSED && error?.name !== 'ClusterAllFailedError';

/**
 * A backend that connects to `target` (a URL, or what the environment gives) with ioredis
 * (an optional peer dependency): one server, or a Redis Cluster from its seed nodes.
 * Commands fail at once while disconnected instead of queueing, and give up after
 * `timeoutMs`, so a down or paused Redis never holds anything up; ioredis reconnects by
 * itself. No socket or timer of the connection keeps the process alive; `close()` ends it.
 * Its errors never carry the URL's password.
 *
 * @throws {Error} when ioredis is not installed.
 */
export function connectRedis(target: string | RedisTarget, timeoutMs: number): RedisBackend {
  const { url, clusterNodes, tls } = typeof target === 'string' ? { url: target } : target;
  const options = connectionOptions(url, tls, timeoutMs);
  const ioredis = loadIoredis();
  // ioredis 5.0 has no named `Redis` export yet (5.x added it): the module is the class.
  const Redis = ioredis.Redis ?? ioredis.default ?? (ioredis as unknown as NonNullable<IoredisModule['Redis']>);
  // What the connection last failed with (a certificate refused, a wrong password): a
  // round that fails only because it is not connected says why it is not.
  let lastError: Error | undefined;
  const remember = (error: Error) => {
    // The failure stays the reason until one that says why replaces it.
    if (lastError === undefined || saysWhy(error)) lastError = error;
  };
  let client: Emitter;
  if (clusterNodes === undefined) {
    const redis = new Redis({
      ...options,
      enableOfflineQueue: false,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      lazyConnect: false,
    });
    unrefConnection(redis);
    client = redis;
  } else {
    const { host, port, db, ...redisOptions } = options;
    void db;
    const seeds = [...(host === undefined ? [] : [{ host, port }]), ...clusterNodes];
    const refreshMs = Math.max(timeoutMs, 1000);
    const cluster = new ioredis.Cluster(seeds, {
      // Connected below, once the listeners that unref every node's socket are in place.
      lazyConnect: true,
      enableOfflineQueue: false,
      // Each attempt to reach a lost cluster leaves timers ioredis does not unref (asking a
      // seed for its slots, ending the seed's socket) running up to refreshMs when the seed
      // cannot be reached: waiting longer between attempts lets the process exit meanwhile.
      clusterRetryStrategy: (times: number) => refreshMs + Math.min(100 * times, 2000),
      slotsRefreshTimeout: refreshMs,
      // Managed clusters (ElastiCache, Memorystore) name their nodes in their certificates:
      // connect to the names the cluster gives, not their addresses, so TLS can verify them.
      ...(redisOptions.tls === undefined
        ? {}
        : { dnsLookup: (address: string, callback: (e: null, a: string) => void) => callback(null, address) }),
      redisOptions: { ...redisOptions, disconnectTimeout: refreshMs },
    });
    cluster.on('node error', quiet);
    cluster.on('+node', (node: IoredisClient) => {
      unrefConnection(node);
      hearRefreshers(node, remember);
    });
    // The cluster's own timers (the reconnection after it lost every node, a periodic slot
    // refresh if one is configured) are replaced as it goes: each is unref'd as it is set.
    for (const field of ['slotsTimer', 'reconnectTimeout']) unrefEachTimer(cluster, field);
    cluster.on('error', quiet);
    cluster.connect().catch(quiet);
    client = cluster;
  }
  client.on('error', remember);
  client.on('node error', remember);
  client.on('ready', () => (lastError = undefined));
  const password = typeof options.password === 'string' && options.password !== '' ? options.password : undefined;
  const explain = (error: unknown): unknown => {
    if (!(error instanceof Error)) return error;
    const cause =
      lastError === undefined || lastError === error ? '' : ` (the connection failed: ${lastError.message})`;
    const message = `${error.message}${cause}`;
    if (cause === '' && (password === undefined || !message.includes(password))) return error;
    return new Error(password === undefined ? message : message.split(password).join('****'));
  };
  const backend = backendOf(client);
  return {
    async exec(commands) {
      // Only while a connection is being made (the first round, mostly): until it is ready or
      // failed, at most timeoutMs, which the round's own deadline bounds anyway.
      if (CONNECTING.has(client.status)) await settledWithin(client, timeoutMs);
      try {
        return (await backend.exec(commands)).map(explain);
      } catch (error) {
        throw explain(error);
      }
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** The ioredis options a URL and the TLS files stand for; no URL means 127.0.0.1:6379 in clear. */
function connectionOptions(url: string | undefined, tls: RedisTarget['tls'], timeoutMs: number) {
  const parsed = url === undefined ? undefined : new URL(url);
  const secure = parsed?.protocol === 'rediss:';
  const db = Number(parsed?.pathname.slice(1) || 0);
  const options: {
    host?: string;
    port: number;
    db?: number;
    username?: string;
    password?: string;
    tls?: Record<string, unknown>;
    commandTimeout: number;
    connectTimeout: number;
    maxRetriesPerRequest: number;
  } = {
    port: parsed?.port ? Number(parsed.port) : 6379,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    maxRetriesPerRequest: 0,
  };
  if (parsed !== undefined) options.host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (Number.isSafeInteger(db) && db > 0) options.db = db;
  if (parsed?.username) options.username = decodeURIComponent(parsed.username);
  if (parsed?.password) options.password = decodeURIComponent(parsed.password);
  if (secure) {
    // Verified always: a given CA is trusted besides the public ones (Node's `ca` alone would
    // replace them), never instead of verifying.
    options.tls = {
      rejectUnauthorized: true,
      ...(tls?.ca === undefined ? {} : { ca: [...loadTls().rootCertificates, tls.ca] }),
      ...(tls?.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
    };
  }
  return options;
}

/**
 * Shared state is never a reason for a process to stay alive: neither a connection's socket
 * nor its wait before a reconnection holds the event loop (a command waiting for its answer
 * does, until its commandTimeout). ioredis emits these after it set the socket or timer.
 * Its errors are expected noise: health is judged by the sync rounds.
 */
function unrefConnection(client: IoredisClient): void {
  quietSockets(client);
  client.on('error', quiet);
  client.on('connect', () => client.stream?.unref?.());
  client.on('reconnecting', () => client.reconnectTimeout?.unref?.());
}

/**
 * A Redis Cluster asks a node for the slots on a connection of its own (a `duplicate()` of
 * the node's, made for each question) whose errors it drops: when that connection fails —
 * a certificate refused, a wrong password — the cluster tells only "Connection is closed."
 * ('node error') and "Failed to refresh slots cache." ('error'). The reason is heard on each
 * such connection itself, before the question fails, and its sockets get a lasting listener.
 */
function hearRefreshers(node: IoredisClient, remember: (error: Error) => void): void {
  const duplicate = (node as { duplicate?: (override?: object) => IoredisClient }).duplicate;
  if (typeof duplicate !== 'function') return;
  Object.defineProperty(node, 'duplicate', {
    configurable: true,
    writable: true,
    value(override?: object) {
      const connection = duplicate.call(node, override);
      quietSockets(connection);
      connection.on('error', remember);
      return connection;
    },
  });
}

/**
 * ioredis hears only a socket's first 'error' (a once listener): a TLS socket that fails
 * twice — a refused certificate, then the peer's alert — would throw the second into the
 * app's process as an uncaught exception. Every socket ioredis sets on this connection gets
 * a listener that stays.
 */
export function quietSockets(client: IoredisClient): void {
  let socket: unknown = client.stream;
  (socket as { on?: (event: string, listener: () => void) => void } | undefined)?.on?.('error', quiet);
  Object.defineProperty(client, 'stream', {
    configurable: true,
    enumerable: true,
    get: () => socket,
    set(next: unknown) {
      socket = next;
      (next as { on?: (event: string, listener: () => void) => void } | undefined)?.on?.('error', quiet);
    },
  });
}

const CONNECTING = new Set(['wait', 'connecting', 'connect']);
const SETTLED = ['ready', 'error', 'node error', 'close', 'end'];

/** Resolves when the connection being made is ready or failed, or after `timeoutMs`. */
function settledWithin(client: Emitter, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of SETTLED) client.removeListener(event, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref?.();
    for (const event of SETTLED) client.once(event, done);
  });
}

function unrefEachTimer(owner: object, field: string): void {
  let timer = (owner as Record<string, unknown>)[field] as Unrefable | null | undefined;
  timer?.unref?.();
  Object.defineProperty(owner, field, {
    configurable: true,
    enumerable: true,
    get: () => timer,
    set(value: Unrefable | null | undefined) {
      value?.unref?.();
      timer = value;
    },
  });
}
