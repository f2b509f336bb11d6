import '../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import { type FaultServer, startFaultServer } from '../../src/testing/index.js';
import { type Client, createClient, retryBudget, type SharedState, sharedState, throttle } from '../../src/index.js';
import { fakeClock } from '../helpers/fakeClock.js';
import { pointsOf } from '../helpers/otel.js';
import { useOtel } from '../helpers/suiteUpstream.js';
import { type ClusterNode, type RedisCluster, startRedisCluster } from '../../fixtures/redisCluster.js';
import { CLUSTER_LIBRARIES } from '../helpers/clusterLibraries.js';

/** How long a round may wait on the cluster before it counts as unreachable. */
const TIMEOUT_MS = 300;

/**
 * A Redis Cluster failing under replicas that share state through it — a master killed
 * (its replica takes over), a slot migrating, every node down and back: no call waits on
 * the cluster or fails because of it, no round outlasts `timeoutMs`, the health gauge reads
 * 0 while rounds fail and 1 once they get through, and sharing resumes by itself.
 */
describe('shared state when the Redis Cluster fails', () => {
  const telemetry = useOtel();
  let upstream: FaultServer;
  let cluster: RedisCluster;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  // Counts requests handed to the wire: a call whose request leaves within the macrotask
  // that started it waited on nothing (wall-clock timings on a shared machine cannot show it).
  let dispatched = 0;
  const wire = new (class extends Agent {
    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      dispatched++;
      return super.dispatch(options, handler);
    }
  })();
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    upstream = await startFaultServer();
    cluster = await startRedisCluster();
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await wire.close();
    await upstream?.close();
    await cluster?.close();
  });

  for (const library of CLUSTER_LIBRARIES) {
    describe(`with the app's ${library.name}`, () => {
      const opened: { shared: SharedState; close(): Promise<void> }[] = [];
      let prefixes = 0;
      after(async () => {
        await Promise.all(opened.map(({ shared }) => shared.close()));
        await Promise.all(opened.map(({ close }) => close()));
      });
      const clock = fakeClock(Date.now());
      /** Two replicas of a service calling `upstream`, each with its own cluster client. */
      const replicas = async (name: string) => {
        const prefix = `${library.name.slice(0, 2)}${++prefixes}:`;
        const made: { shared: SharedState; client: Client }[] = [];
        for (const id of ['one', 'peer']) {
          const connection = await library.connect(cluster);
          const shared = sharedState({
            redis: connection.client,
            prefix,
            replicaId: id,
            timeoutMs: TIMEOUT_MS,
            syncIntervalMs: 60_000,
            now: clock.now,
          });
          opened.push({ shared, close: connection.close });
          const client = createClient({
            baseUrl: upstream.url,
            name,
            clock,
            env: {},
            // A budget writes a key per second: rounds send new keys as well as known ones.
            resilience: [retryBudget(), throttle()],
            shared,
            transport: { dispatcher: wire },
          });
          made.push({ shared, client });
        }
        const [one, peer] = made as [(typeof made)[0], (typeof made)[0]];
        const tag = `{${prefix}${name}}`;
        // Asked while every node runs: the slot of every key of this upstream.
        return { one, peer, tag, slot: Number(await cluster.cli(cluster.nodes[0]!, 'CLUSTER', 'KEYSLOT', tag)) };
      };
      let slowestRound = 0;
      /** One round, timed: it never outlasts its bound (plus the timer's own slip on a loaded machine). */
      const round = async (shared: SharedState) => {
        const started = performance.now();
        const reached = await shared.sync();
        const ms = performance.now() - started;
        slowestRound = Math.max(slowestRound, ms);
        assert.ok(ms < TIMEOUT_MS + 250, `a round took ${ms.toFixed(0)} ms`);
        return reached;
      };
      const until = async (shared: SharedState, healthy: boolean, what: string) => {
        for (let i = 0; i < 200; i++) {
          if ((await round(shared)) === healthy) return;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error(`${what}: shared state never became ${healthy ? 'healthy' : 'unhealthy'}`);
      };
      /** A call that must succeed with its request sent in the turn that started it. */
      const call = async (client: Client, path: string, phase: string) => {
        const before = dispatched;
        let sentInTurn: boolean | undefined;
        setImmediate(() => (sentInTurn = dispatched > before));
        assert.deepEqual(await client.json(path), { ok: true }, phase);
        assert.equal(sentInTurn, true, `${phase}: the request left before the call's first turn ended`);
      };
      /** What `faultline.shared_state.healthy` reads for the upstream's clients: 1, 0, or mixed. */
      const gauge = async (name: string) => {
        const values = pointsOf((await telemetry.otel.collect()).get('faultline.shared_state.healthy'))
          .filter((point) => point.attributes['faultline.upstream'] === name)
          .map((point) => point.value);
        return values.length > 0 && values.every((v) => v === values[0]) ? values[0] : `mixed: ${values.join(',')}`;
      };
      /** A throttle the peer learns now reaches `one`: sharing works. */
      const shares = async (fleet: Awaited<ReturnType<typeof replicas>>, route: string) => {
        upstream.script(route, { status: 429, headers: { 'retry-after': '30' } });
        await assert.rejects(fleet.peer.client.json(route));
        assert.equal(await round(fleet.peer.shared), true);
        assert.equal(await round(fleet.one.shared), true);
        await assert.rejects(fleet.one.client.json(route), { code: 'THROTTLE_HOLD' });
      };

      it('a master killed mid-run: rounds fail over with it, calls go on, sharing resumes', async (t) => {
        const fleet = await replicas('failover');
        await until(fleet.one.shared, true, 'start');
        await until(fleet.peer.shared, true, 'start');
        await call(fleet.one.client, '/fine', 'healthy');
        await call(fleet.peer.client, '/fine', 'healthy');
        assert.equal(await gauge('failover'), 1);
        const victim = await cluster.masterOf(fleet.slot);
        await cluster.kill(victim);
        t.after(() => restarted(victim));
        // Until its replica takes over, the upstream's slot has no master: rounds fail.
        await until(fleet.one.shared, false, 'killed');
        await until(fleet.peer.shared, false, 'killed');
        assert.equal(fleet.one.shared.healthy, false);
        assert.equal(await gauge('failover'), 0);
        await call(fleet.one.client, '/fine', 'master down');
        await cluster.untilOk();
        assert.notEqual((await cluster.masterOf(fleet.slot)).port, victim.port, 'its replica took over');
        await until(fleet.one.shared, true, 'failed over');
        await until(fleet.peer.shared, true, 'failed over');
        assert.equal(await gauge('failover'), 1);
        await call(fleet.one.client, '/fine', 'failed over');
        await shares(fleet, '/after-failover');
        assert.deepEqual(unhandled, []);
      });

      it('a slot migrating under the rounds: calls go on, what was shared moves with it', async (t) => {
        const fleet = await replicas('migrating');
        await until(fleet.one.shared, true, 'start');
        await until(fleet.peer.shared, true, 'start');
        await shares(fleet, '/before-migration');
        const migration = await cluster.startMigration(fleet.slot);
        const reached: boolean[] = [];
        const rounds = async (phase: string) => {
          for (let i = 0; i < 3; i++) {
            // A new budget bucket (a key the source does not hold: ASK) in the round that
            // writes a new Retry-After into the throttle's hash (which the source may still hold).
            clock.advance(1000);
            await call(fleet.one.client, '/fine', phase);
            const route = `/limited-${reached.length}`;
            upstream.script(route, { status: 429, headers: { 'retry-after': '30' } });
            await assert.rejects(fleet.peer.client.json(route));
            reached.push(await round(fleet.peer.shared), await round(fleet.one.shared));
            await assert.rejects(fleet.one.client.json(route), { code: 'THROTTLE_HOLD' }, `${phase}: shared`);
          }
        };
        // Half migrated: the throttle still on the source, new keys only on the target.
        await rounds('migrating, keys not moved yet');
        assert.ok((await migration.moveKeys()) > 0, 'the upstream’s keys moved');
        // Every key on the target, the slot still the source's: every command is ASKed.
        await rounds('migrating, keys moved');
        t.diagnostic(`rounds while the slot was migrating: ${reached.join(',')}`);
        assert.deepEqual(
          reached.filter((r) => !r),
          [],
          'every round followed the ASK redirections',
        );
        await migration.finish();
        await until(fleet.one.shared, true, 'migrated');
        await until(fleet.peer.shared, true, 'migrated');
        assert.equal((await cluster.masterOf(fleet.slot)).port, migration.to.port);
        // The throttle learned before the move still holds, read from its new master.
        await assert.rejects(fleet.one.client.json('/before-migration'), { code: 'THROTTLE_HOLD' });
        await shares(fleet, '/after-migration');
        assert.deepEqual(unhandled, []);
      });

      it('the whole cluster down and back: decisions go local, then shared again', async () => {
        const fleet = await replicas('blackout');
        await until(fleet.one.shared, true, 'start');
        await until(fleet.peer.shared, true, 'start');
        await call(fleet.one.client, '/fine', 'healthy');
        await call(fleet.peer.client, '/fine', 'healthy');
        assert.equal(await gauge('blackout'), 1);
        for (const node of cluster.nodes) await cluster.kill(node);
        try {
          await until(fleet.one.shared, false, 'down');
          await until(fleet.peer.shared, false, 'down');
          assert.equal(await gauge('blackout'), 0);
          for (let i = 0; i < 3; i++) {
            await round(fleet.one.shared);
            await call(fleet.one.client, '/fine', 'cluster down');
            await call(fleet.peer.client, '/fine', 'cluster down');
          }
        } finally {
          for (const node of cluster.nodes) await cluster.restart(node);
        }
        await cluster.untilOk();
        await until(fleet.one.shared, true, 'back');
        await until(fleet.peer.shared, true, 'back');
        assert.equal(await gauge('blackout'), 1);
        await shares(fleet, '/after-blackout');
        assert.deepEqual(unhandled, []);
      });

      after(() => {
        // Reported, not asserted beyond the bound above.
        process.stdout.write(
          `# ${library.name}: slowest round ${slowestRound.toFixed(0)} ms (bound ${TIMEOUT_MS} ms)\n`,
        );
      });
    });
  }

  const restarted = async (node: ClusterNode) => {
    await cluster.restart(node);
    await cluster.untilOk();
  };
});
