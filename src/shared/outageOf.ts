/**
 * Redis's own refusal of a command because of what a key holds (a list where faultline
 * keeps a hash, text where it keeps a count): foreign data under the prefix, which the
 * participants ignore. Redis answered, so it is not an outage.
 */
const FOREIGN_DATA = /^(WRONGTYPE |ERR (hash )?value is not an? (integer|valid float))/;

/**
 * The one rule that says whether a round reached Redis, for every backend: it did only if
 * PING was answered `PONG` and no command failed but for foreign data. Any other error in
 * the replies — a disconnected ioredis pipeline *resolves* with one per command, node-redis
 * rejects each command, a paused Redis times each out, a restarting one answers `LOADING`,
 * a replica `READONLY`, a cluster `CLUSTERDOWN` (a slot no master serves), `TRYAGAIN` (a
 * migration under way) or a MOVED / ASK its client did not follow — is an outage, returned
 * to be thrown; undefined when Redis answered.
 */
export function outageOf(replies: readonly unknown[]): Error | undefined {
  for (const reply of replies) {
    if (reply instanceof Error && !FOREIGN_DATA.test(reply.message)) return reply;
  }
  if (replies[0] !== 'PONG') return new Error(`PING was answered ${describeReply(replies[0])}, not PONG`);
  return undefined;
}

function describeReply(reply: unknown): string {
  return typeof reply === 'string' ? JSON.stringify(reply.slice(0, 40)) : typeof reply;
}
