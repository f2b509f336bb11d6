// Many replicas of one service, each a process of its own, calling the same flaky
// upstream — first each on its own state, then sharing it through a local Redis — and what
// the upstream counted in each case.
//
// Shows: FAULTLINE_REDIS_URL / sharedState() turning one process's protection into the
// fleet's: one retry budget (ratio + one floor) instead of a floor per replica, a
// Retry-After learned by one replica holding back all, a circuit opened on evidence from
// several replicas (never by one sick replica alone), and one Sentry cap for the fleet.
//
// With --cluster the replicas share state through a real Redis Cluster (3 masters, 3
// replicas, created here with redis-cli --cluster create), each replica handing faultline
// its own ioredis client as a managed cluster (ElastiCache, Memorystore) is reached:
//
//   import { Cluster } from 'ioredis';
//   const shared = sharedState({ redis: new Cluster([{ host, port }, …]), prefix: 'checkout:' });
//
// Run: npm run build && node dist/examples/fleet.js [--cluster] [replicas]
//   (needs redis-server, and redis-cli for --cluster, on PATH)
// For 4, 16 and 64 replicas and the Redis load per call rate: examples/fleet-sim.ts.
import { startFleetUpstream } from '../fixtures/fleetUpstream.js';
import { type FleetRun, runFleet } from '../fixtures/runFleet.js';
import { type RedisCluster, startRedisCluster } from '../fixtures/redisCluster.js';
import { type RedisServer, startRedis } from '../fixtures/redisServer.js';
import { renderTable } from './support/textTable.js';

const args = process.argv.slice(2);
const replicas = Number(args.find((a) => /^\d+$/.test(a)) ?? 4);
const durationMs = 6000;
const upstream = await startFleetUpstream();
let redis: RedisServer | undefined;
let cluster: RedisCluster | undefined;
try {
  const target = args.includes('--cluster')
    ? { clusterSeeds: (cluster = await startRedisCluster()).seeds, redisUrl: undefined }
    : { redisUrl: (redis = await startRedis()).url };
  const where = cluster === undefined ? `Redis at ${target.redisUrl}` : 'a 3-master Redis Cluster';
  console.log(`${replicas} replicas, ${durationMs / 1000} s each run, one upstream; ${where}\n`);
  const local = await runFleet({ upstream, redisUrl: undefined, replicas, durationMs });
  const shared = await runFleet({ upstream, ...target, replicas, durationMs });
  const retries = (run: FleetRun) => (run.requests['/down'] ?? 0) - (run.calls['budget'] ?? 0);
  const states = (run: FleetRun, name: string) => {
    const open = run.reports.filter((r) => r.finalState[name] === 'open').length;
    return `${open} of ${replicas} open`;
  };
  const row = (what: string, pick: (run: FleetRun) => string) => [what, pick(local), pick(shared)];
  const lines = renderTable(
    [
      { title: 'what the upstream saw', maxWidth: 44 },
      { title: 'each replica alone', maxWidth: 22 },
      { title: cluster === undefined ? 'shared through Redis' : 'shared through Redis Cluster', maxWidth: 22 },
    ],
    [
      row('/down (100% 503): calls → requests', (r) => `${r.calls['budget']} → ${r.requests['/down']}`),
      row('  retries (budget 10% + a floor of 10)', (r) => String(retries(r))),
      row('/ra: requests in the 5 s after one', (r) => String(r.afterRetryAfter.reduce((a, b) => a + b, 0))),
      row('  Retry-After: 5, whole fleet', (r) => `[${r.afterRetryAfter.join(' ')}]`),
      row('circuit, replica 0 alone failing', (r) => states(r, 'solo')),
      row('circuit, every replica failing', (r) => states(r, 'all')),
      row('Sentry events for /down (cap 10/min)', (r) => String(r.sentryEvents)),
    ],
  );
  for (const line of lines) console.log(line);
} finally {
  await upstream.close();
  await redis?.stop();
  await cluster?.close();
}
