// The fleet at scale, in two tables.
//
// 1. Redis load per replica against the call rate: 2 replicas call 3 upstreams on 2 routes
//    each at 100 and at 2,000 calls/s per replica, all succeeding or with 503s and
//    `429 Retry-After: 1` mixed in; the masters count the commands (`INFO commandstats`).
//    Rounds batch what happened since the last one, so the figure follows replicas,
//    upstreams and routes — not calls.
// 2. 4, 16 and 64 replicas call one upstream through the same Redis: one replica learns a
//    `Retry-After: 5` (how many further requests the others send, how long until every
//    replica holds), a circuit the fleet opened closes for all after the upstream heals (one
//    trial), the Sentry cap holds for the fleet, and Redis ops/s as the fleet grows.
//
// Replicas run in this process, each isolated as a process would be (its own shared state,
// Redis connection and clients): 64 Node processes would measure the machine, not the fleet.
//
// Run: npm run build && node dist/examples/fleet-sim.js [--cluster] [--load | --sim] [--every=ms] [replicas...]
//   --cluster  a real 3-master cluster (3 replicas too) instead of one redis-server
//   (needs redis-server and redis-cli on PATH)
import * as Sentry from '@sentry/node';
import { type FleetSimResult, runFleetSim } from '../fixtures/fleetSim.js';
import { type RedisCluster, startRedisCluster } from '../fixtures/redisCluster.js';
import { measureRedisLoad, type RedisLoadResult } from '../fixtures/redisLoad.js';
import { type RedisServer, startRedis } from '../fixtures/redisServer.js';
import { clusterRedis, type RedisTarget, singleRedis } from '../fixtures/redisTarget.js';
import { startSimUpstream } from '../fixtures/simUpstream.js';
import { startUpstreamProcess } from '../fixtures/upstreamProcess.js';
import { startSentrySink } from '../src/testing/sentrySink.js';
import { renderTable } from './support/textTable.js';

const args = process.argv.slice(2);
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
const load = !args.includes('--sim');
const sim = !args.includes('--load');
/** Each replica's call period: every 100 ms by default (`--every=200` halves the fleet's call rate). */
const everyMs = Number(args.find((a) => a.startsWith('--every='))?.slice(8) ?? 100);

const sink = await startSentrySink();
// Every event is counted at the sink: the SDK's default integrations (its own HTTP
// instrumentation, and a dedupe that drops repeats of one failure) are left out.
Sentry.init({ dsn: sink.dsn, defaultIntegrations: false, transportOptions: { bufferSize: 1000 } });
const upstream = await startSimUpstream();
let server: RedisServer | undefined;
let cluster: RedisCluster | undefined;
try {
  let target: RedisTarget;
  if (args.includes('--cluster')) {
    cluster = await startRedisCluster();
    const masters = cluster.nodes.slice(0, 3).map(({ port }) => ({ host: '127.0.0.1', port }));
    target = clusterRedis(cluster.seeds, masters);
  } else target = singleRedis((server = await startRedis()));
  console.log(`Redis: ${target.label}; sync every 100 ms\n`);

  if (load) {
    const results: RedisLoadResult[] = [];
    const apart = await startUpstreamProcess();
    try {
      for (const mode of ['ok', 'mixed'] as const)
        for (const callsPerSecond of [100, 2000])
          results.push(await measureRedisLoad({ target, upstream: apart, mode, callsPerSecond }));
    } finally {
      await apart.close();
    }
    const f = (n: number) => n.toFixed(0);
    console.log('Redis load per replica (2 replicas, 3 upstreams × 2 routes, 5 s a run):');
    for (const line of renderTable(
      [
        { title: 'calls', maxWidth: 24 },
        { title: 'offered/s', maxWidth: 9 },
        { title: 'made/s', maxWidth: 7 },
        { title: 'requests/s', maxWidth: 10 },
        { title: 'rounds/s', maxWidth: 8 },
        { title: 'Redis ops/s', maxWidth: 11 },
        { title: 'ops per round', maxWidth: 13 },
      ],
      results.map((r) => [
        r.mode === 'ok' ? 'all succeed' : '503s, 429 RA:1',
        f(r.offeredPerReplica),
        f(r.callsPerSecondPerReplica),
        f(r.requestsPerSecondPerReplica),
        r.roundsPerSecondPerReplica.toFixed(1),
        f(r.redisOpsPerSecondPerReplica),
        (r.redisOpsPerSecondPerReplica / r.roundsPerSecondPerReplica).toFixed(1),
      ]),
    ))
      console.log(line);
    console.log('');
  }

  if (sim) {
    const results: FleetSimResult[] = [];
    for (const replicas of sizes.length > 0 ? sizes : [4, 16, 64])
      // A round is given 5 s, not the default 500 ms: here 64 replicas share one event loop,
      // whose lag (printed below) is no measure of Redis; a real replica has its own.
      results.push(await runFleetSim({ replicas, target, upstream, sink, everyMs, timeoutMs: 5000 }));
    console.log(
      `The fleet (each replica: /ra and /all every ${everyMs} ms, /down every ${2 * everyMs} ms; 6 s a run):`,
    );
    for (const line of renderTable(
      [
        { title: 'replicas', maxWidth: 8 },
        { title: 'further requests after one Retry-After (one interval of traffic)', maxWidth: 24 },
        { title: 'every replica holding after', maxWidth: 14 },
        { title: 'breaker opened by the fleet → closed after the heal', maxWidth: 22 },
        { title: 'Sentry events (cap 10/min + 1 per replica)', maxWidth: 16 },
        { title: 'Redis ops/s (per replica)', maxWidth: 14 },
        { title: 'rounds/s, ops a round (per replica)', maxWidth: 16 },
      ],
      results.map((r) => [
        String(r.replicas),
        `${r.furtherRequests.reduce((a, b) => a + b, 0)} (${r.oneIntervalOfTraffic}); ${r.sentWhileHolding} once told`,
        r.propagationMs === undefined ? 'never' : `${r.propagationMs} ms`,
        `${r.breakerOpened} in ${r.openSpreadMs} ms → ${r.breakerClosed} in ${r.closeSpreadMs} ms, ${r.trialRequests} trial`,
        `${r.sentryMostInAMinute} (≤ ${r.capPerMinute + r.replicas})`,
        `${r.redisOpsPerSecond.toFixed(0)} (${r.redisOpsPerSecondPerReplica.toFixed(0)})`,
        roundsOf(r),
      ]),
    ))
      console.log(line);
    for (const r of results)
      console.log(
        `${r.replicas} replicas: slowest round ${r.slowestRoundMs} ms` +
          (r.roundsTimedOut > 0 ? `, ${r.roundsTimedOut} over 5 s (those replicas decided alone meanwhile)` : ''),
      );
  }
} finally {
  await upstream.close();
  await server?.stop();
  await cluster?.close();
  await Sentry.close(2000);
  await sink.close();
}

/** One PING per round: rounds per second per replica, and the commands each round sent. */
function roundsOf(r: FleetSimResult): string {
  const rounds = r.redisByCommand['ping'] ?? 0;
  const total = Object.values(r.redisByCommand).reduce((a, b) => a + b, 0);
  const seconds = total / r.redisOpsPerSecond;
  return `${(rounds / seconds / r.replicas).toFixed(1)}, ${(total / rounds).toFixed(1)}`;
}
