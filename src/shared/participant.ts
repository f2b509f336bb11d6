import type { RedisCommand } from './redisBackend.js';

/**
 * One kind of shared state (throttle, budget, circuits, Sentry cap) as the sync loop drives
 * it: each round it hands over the commands that push its news and read the fleet's, then
 * absorbs the replies. Nothing here runs on a call's path.
 */
export interface Participant {
  collect(now: number): RedisCommand[];
  /** The replies to `collect`'s commands, in order (an Error for a command that failed). */
  absorb(replies: readonly unknown[], now: number): void;
  /** Redis is unreachable: forget the fleet's view, decide on local state alone. */
  lapse(): void;
}

/** A key part made safe for a Redis key (upstream names and routes are free text). */
export function keyPart(text: string): string {
  return encodeURIComponent(text);
}

/**
 * The start of every key faultline keeps for `upstream`: its Redis Cluster hash tag,
 * `{<prefix><upstream>}`. Everything one upstream needs (throttle, budget, circuits) then
 * sits in one slot — a round's commands for it go to one node in one pipeline, and a
 * command on two of its keys (DEL) never spans slots — while upstreams spread over the
 * cluster. The prefix is inside the tag so that two services sharing a cluster and calling
 * the same upstream do not pile onto one slot. A single Redis ignores the braces.
 */
export function upstreamTag(prefix: string, upstream: string): string {
  return `{${prefix}${keyPart(upstream)}}`;
}

/**
 * The tag of keys tied to no upstream (the Sentry cap): `#` is escaped in every upstream's
 * tag (`%23`), so this one is no upstream's.
 */
export function fleetTag(prefix: string, name: string): string {
  return `{${prefix}#${name}}`;
}

/** A reply read as a finite number, or undefined for anything else (bad or foreign data). */
export function numberOf(reply: unknown): number | undefined {
  if (typeof reply === 'number') return Number.isFinite(reply) ? reply : undefined;
  if (typeof reply !== 'string' || !/^-?\d+(\.\d+)?$/.test(reply)) return undefined;
  const value = Number(reply);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A bounded map that forgets the key least recently given a new value. Policies write their
 * record back after every call; writing back the record a key already holds changes nothing
 * here, and costs nothing, on the hot path.
 */
export class RecentMap<V> extends Map<string, V> {
  constructor(private readonly maxKeys = 10_000) {
    super();
  }
  override set(key: string, value: V): this {
    if (super.get(key) === value) return this;
    super.delete(key);
    super.set(key, value);
    if (this.size > this.maxKeys) super.delete(this.keys().next().value as string);
    return this;
  }
}
