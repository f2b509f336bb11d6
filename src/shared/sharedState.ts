import { nodeOs } from '../core/nodeBuiltins.js';
import { type Diagnostics, processDiagnostics } from '../core/diagnostics.js';
import type { StoreRequest } from '../types/policy.js';
import type { StateStore } from '../policies/stateStore.js';
import type { ThrottleRecord } from '../policies/throttle/throttleHold.js';
import type { SharedState } from '../types/shared.js';
import { outageOf } from './outageOf.js';
import type { Participant } from './participant.js';
import { connectRedis, type RedisTarget } from './connectRedis.js';
import { type AppRedisClient, backendOf, type RedisBackend, type RedisCommand } from './redisBackend.js';
import { ADAPTIVE_LAYOUT, BUDGET_LAYOUT, sharedCounts } from './sharedCounts.js';
import { type FleetCap, sharedCap } from './sharedCap.js';
import { sharedCircuit } from './sharedCircuit.js';
import { sharedThrottle } from './sharedThrottle.js';

/** Options of {@link sharedState}. */
export interface SharedStateOptions {
  /**
   * The app's own client (faultline never closes it): ioredis / iovalkey `Redis` or
   * `Cluster`, node-redis `createClient()` or `createCluster()`. A Sentinel set-up works
   * through it too (ioredis `new Redis({ sentinels, name })`).
   */
  readonly redis?: AppRedisClient;
  /** Or a `redis://` URL faultline connects to itself with ioredis. */
  readonly url?: string;
  /**
   * Prefix of every key faultline writes.
   * @default 'faultline:'
   */
  readonly prefix?: string;
  /**
   * How often each replica pushes its news and reads the fleet's (one pipelined round
   * trip): the most any decision lags behind the fleet.
   * @default 100
   */
  readonly syncIntervalMs?: number;
  /**
   * A round slower than this counts as Redis being unreachable.
   * @default 500
   */
  readonly timeoutMs?: number;
  /** This replica's name in the circuit evidence. @default host:pid:random */
  readonly replicaId?: string;
  /** Replicas that must have seen failures before the fleet opens a circuit. @default 2 */
  readonly circuitQuorum?: number;
  /**
   * Failures and answers the fleet must have seen over the window before it opens a circuit
   * (a breaker with window rules uses its own `minimumThroughput` instead). @default 20
   */
  readonly circuitMinThroughput?: number;
  /** Share of failures over the fleet's window that opens a circuit (or the breaker's `failureRatio`). @default 0.5 */
  readonly circuitFailureRatio?: number;
  /** The window the fleet's circuit evidence is counted over (or the breaker's `samplingWindowMs`). @default 10000 */
  readonly circuitWindowMs?: number;
  /** Milliseconds now (align with the clients' clock). @default Date.now */
  readonly now?: () => number;
}

/** What clients use of a shared state; not part of the public surface. */
export interface SharedInternals {
  readonly throttleStore: StateStore<ThrottleRecord>;
  readonly cap: FleetCap;
  store<T>(request: StoreRequest): StateStore<T>;
  /** Where trouble is told: the first client's logger. */
  reportTo(diagnostics: Diagnostics): void;
  /** Whether the last round reached Redis (what the `faultline.shared_state.healthy` gauge reads). */
  healthy(): boolean;
}

// Where a shared state keeps what clients need of it: a symbol of this module, so the
// public object shows only its public fields and no look-alike object can pose as one.
const INTERNALS = Symbol('faultline.sharedState');

/** The internals of a shared state made by {@link sharedState}. */
export function internalsOf(shared: SharedState): SharedInternals | undefined {
  return (shared as { [INTERNALS]?: SharedInternals })[INTERNALS];
}

/**
 * Shares protective state between replicas through Redis (or Valkey). No call waits on
 * Redis: every decision reads state in this process, which a background round brings in
 * step every `syncIntervalMs` — pushing this replica's counts and reading the fleet's in
 * one pipelined round trip. While Redis is down, slow or partitioned, decisions are
 * local (said once in the log); the rounds resume by themselves.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * const shared = sharedState({ redis: new Redis(process.env.REDIS_URL), prefix: 'checkout:' });
 * const payments = createClient({ name: 'payments', baseUrl, shared });
 * ```
 */
export function sharedState(options: SharedStateOptions): SharedState {
  return sharedStateTo(options.url, options);
}

/**
 * {@link sharedState} over a connection faultline makes itself to `target` (what the
 * environment asks for: TLS files, cluster seeds) instead of `options.url`.
 */
export function sharedStateTo(
  target: string | RedisTarget | undefined,
  options: Omit<SharedStateOptions, 'url'>,
): SharedState {
  const prefix = options.prefix ?? 'faultline:';
  const intervalMs = options.syncIntervalMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 500;
  const now = options.now ?? Date.now;
  const replicaId =
    options.replicaId ?? `${nodeOs().hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;
  let diagnostics: Diagnostics = processDiagnostics;
  let backend: RedisBackend | undefined;
  try {
    if (options.redis !== undefined) backend = backendOf(options.redis);
    else if (target !== undefined) backend = connectRedis(target, timeoutMs);
  } catch (error) {
    diagnostics.report('shared state (loading the Redis client)', error);
  }
  const participants: Participant[] = [];
  let healthy = false;
  let inFlight: Promise<boolean> | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  /** The commands a round gave up on, while Redis has not answered or refused them yet. */
  let unsettled: Promise<unknown> | undefined;
  const round = async (): Promise<boolean> => {
    if (backend === undefined || closed) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A client that queues while disconnected, or a paused node that has them on its
      // socket, would otherwise get one more round every interval, all sent at once later.
      if (unsettled !== undefined) throw new Error('the last round is still waiting on Redis');
      const at = now();
      const batches = participants.map((p) => p.collect(at));
      // PING first: a quiet replica still learns whether Redis is there.
      const commands: RedisCommand[] = [['PING'], ...batches.flat()];
      const sent = backend.exec(commands);
      unsettled = sent;
      const clearUnsettled = () => {
        if (unsettled === sent) unsettled = undefined;
      };
      sent.then(clearUnsettled, clearUnsettled);
      const replies = await Promise.race([
        sent,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          timer.unref?.();
        }),
      ]);
      const outage = outageOf(replies);
      if (outage !== undefined) throw outage;
      let offset = 1;
      const after = now();
      batches.forEach((batch, i) => {
        participants[i]?.absorb(replies.slice(offset, offset + batch.length), after);
        offset += batch.length;
      });
      healthy = true;
      return true;
    } catch (error) {
      // Throttled by the diagnostics: once per 10 s however long Redis stays away.
      diagnostics.report(
        "the shared state's round to Redis (every decision is local until a round gets through)",
        error,
      );
      healthy = false;
      for (const participant of participants) participant.lapse();
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  const start = (): Promise<boolean> => {
    // One round at a time: a paused Redis must not pile rounds up.
    inFlight ??= round()
      .catch(() => false)
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
  // What `sync()` promises: a round that carries everything this replica knew when it was
  // asked, so one started before (the interval's) is waited out, not taken for it.
  const sync = (): Promise<boolean> => (inFlight === undefined ? start() : inFlight.then(start));
  let kicked = false;
  const kick = () => {
    if (kicked || closed) return;
    kicked = true;
    setImmediate(() => {
      kicked = false;
      void start();
    }).unref?.();
  };
  const timer = setInterval(() => void start(), intervalMs);
  timer.unref?.();

  const throttle = sharedThrottle(prefix, kick, now);
  const cap = sharedCap(prefix);
  participants.push(throttle.participant, cap.participant);
  const shared: SharedState = {
    prefix,
    replicaId,
    get healthy() {
      return healthy;
    },
    sync,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        await inFlight;
        await backend?.close();
      })();
      return closing;
    },
  };
  const stores = new WeakMap<StoreRequest, StateStore<unknown>>();
  const internals: SharedInternals = {
    throttleStore: throttle.store,
    cap: cap.cap,
    // One store per policy (its request), as in memory: two budgets never mix their counts
    // here, and every client built from one policy shares its store and participant.
    store<T>(request: StoreRequest): StateStore<T> {
      if (request.kind === 'throttle') return throttle.store as StateStore<T>;
      let store = stores.get(request);
      if (store === undefined) {
        const { kind, settings } = request;
        const window = { windowMs: settings['windowMs'] ?? 10_000, buckets: settings['buckets'] ?? 10 };
        const made =
          kind === 'budget'
            ? sharedCounts(prefix, { ...BUDGET_LAYOUT, ...window })
            : kind === 'adaptiveThrottle'
              ? sharedCounts(prefix, { ...ADAPTIVE_LAYOUT, ...window })
              : sharedCircuit(prefix, replicaId, fleetCircuitSettings(settings, options));
        participants.push(made.participant);
        stores.set(request, (store = made.store));
      }
      return store as StateStore<T>;
    },
    reportTo(to) {
      if (diagnostics === processDiagnostics) diagnostics = to;
    },
    healthy: () => healthy,
  };
  Object.defineProperty(shared, INTERNALS, { value: internals });
  return shared;
}

/**
 * How the fleet opens a breaker's circuits: a breaker with window rules (`failureRatio`,
 * `slowCallMs`) has the fleet apply those same rules to the fleet's summed counts over its
 * `samplingWindowMs`; a breaker with the consecutive rule alone gets the `circuit*` options.
 */
function fleetCircuitSettings(settings: Readonly<Record<string, number>>, options: SharedStateOptions) {
  const windowed = settings['failureRatio'] !== undefined;
  const slowCallMs = settings['slowCallMs'];
  return {
    halfOpenAfterMs: settings['halfOpenAfterMs'] ?? 30_000,
    quorum: options.circuitQuorum ?? 2,
    minThroughput: (windowed ? settings['minimumThroughput'] : undefined) ?? options.circuitMinThroughput ?? 20,
    failureRatio: settings['failureRatio'] ?? options.circuitFailureRatio ?? 0.5,
    windowMs: (windowed ? settings['samplingWindowMs'] : undefined) ?? options.circuitWindowMs ?? 10_000,
    slowCallRatio: slowCallMs !== undefined && Number.isFinite(slowCallMs) ? settings['slowCallRatio'] : undefined,
  };
}
