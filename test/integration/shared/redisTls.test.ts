import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createClient, type SharedState, sharedState, throttle, ThrottledError } from '../../../src/index.js';
import { readEnvConfig } from '../../../src/config/envConfig.js';
import { withoutUndefined } from '../../../src/core/withoutUndefined.js';
import { connectRedis } from '../../../src/shared/connectRedis.js';
import { sharedStateTo } from '../../../src/shared/sharedState.js';
import { sharedStateFor } from '../../../src/shared/sharedStateFor.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';
import { makeTlsFiles, type TlsFiles } from '../../helpers/tlsFiles.js';
import { type RedisCluster, startRedisCluster } from '../../../fixtures/redisCluster.js';
import { type RedisServer, startRedis } from '../../../fixtures/redisServer.js';
import { freePort, untilAccepting } from '../../../fixtures/redisServer.js';

const USER = 'faultline';
const PASSWORD = 'Tls-s3cr3t-pw';
const child = fileURLToPath(new URL('./fixtures/redisEnvTargetChild.js', import.meta.url));
const cli = fileURLToPath(new URL('../../../pkg/cli.js', import.meta.url));

/**
 * Debian's redis-server speaking TLS only (`--port 0 --tls-port N`), asking clients for a
 * certificate signed by the test CA, with the default user off and one ACL user.
 */
async function startTlsRedis(files: TlsFiles): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  // The real redis-server, or no test: Debian's is built with TLS.
  const process: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      files.serverCert,
      '--tls-key-file',
      files.serverKey,
      '--tls-ca-cert-file',
      files.ca,
      '--tls-auth-clients',
      'yes',
      '--user',
      'default',
      'off',
      '--user',
      USER,
      'on',
      `>${PASSWORD}`,
      '~*',
      '&*',
      '+@all',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  await untilAccepting(port);
  return {
    port,
    async stop() {
      if (process.exitCode !== null || process.signalCode !== null) return;
      process.kill('SIGTERM');
      await once(process, 'exit');
    },
  };
}

/**
 * Three masters of Debian's redis-server speaking TLS only, on the client port and the
 * cluster bus (`--tls-cluster yes`), the default user off and one ACL user: what
 * ElastiCache's cluster mode with in-transit encryption and AUTH looks like to a client.
 */
async function startTlsCluster(files: TlsFiles): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tls-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const children = ports
    .slice(0, 3)
    .map((port, i) =>
      spawn(
        'redis-server',
        [
          ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1'],
          ...['--tls-cert-file', files.serverCert, '--tls-key-file', files.serverKey, '--tls-ca-cert-file', files.ca],
          ...['--tls-auth-clients', 'no', '--tls-cluster', 'yes', '--tls-replication', 'yes'],
          ...['--cluster-enabled', 'yes', '--cluster-port', String(ports[3 + i]), '--cluster-config-file'],
          join(dir, `nodes-${port}.conf`),
          ...['--user', 'default', 'off', '--user', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all'],
          ...['--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
        ],
        { stdio: 'ignore' },
      ),
    );
  const stop = async () => {
    await Promise.all(
      children.map(async (process) => {
        if (process.exitCode !== null || process.signalCode !== null) return;
        process.kill('SIGKILL');
        await once(process, 'exit');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports.slice(0, 3)) await untilAccepting(port);
    const tls = ['--tls', '--cacert', files.ca, '--user', USER, '--pass', PASSWORD, '--no-auth-warning'];
    const created = spawnSync(
      'redis-cli',
      [...tls, '--cluster', 'create', ...ports.slice(0, 3).map((port) => `127.0.0.1:${port}`), '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create: ${created.stdout}${created.stderr}`);
    for (let i = 0; ; i++) {
      const states = ports
        .slice(0, 3)
        .map(
          (port) =>
            spawnSync('redis-cli', [...tls, '-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
        );
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (i > 200) throw new Error('the TLS cluster never said cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports: ports.slice(0, 3), stop };
}

/** The shared state a client made from `env` uses (one per process): held once more, to run its rounds. */
function sharedOf(env: Record<string, string>) {
  const config = readEnvConfig(env);
  return sharedStateFor(
    withoutUndefined({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, tls: config.redisTls }),
    config.redisPrefix,
  );
}

describe('shared state over TLS with credentials, from the environment', () => {
  const suite = useFlakyUpstream();
  const telemetry = useOtel();
  let files: TlsFiles;
  let redis: { port: number; stop(): Promise<void> };
  let probe: Redis;
  before(async () => {
    files = makeTlsFiles();
    redis = await startTlsRedis(files);
    probe = new Redis({
      port: redis.port,
      host: '127.0.0.1',
      username: USER,
      password: PASSWORD,
      tls: {
        ca: readFileSync(files.ca, 'utf8'),
        cert: readFileSync(files.clientCert, 'utf8'),
        key: readFileSync(files.clientKey, 'utf8'),
      },
    });
  });
  after(async () => {
    probe?.disconnect();
    await redis?.stop();
    files?.remove();
  });

  const envFor = (prefix: string, overrides: Record<string, string> = {}) => ({
    FAULTLINE_REDIS_URL: `rediss://${USER}:${PASSWORD}@127.0.0.1:${redis.port}`,
    FAULTLINE_REDIS_TLS_CA: files.ca,
    FAULTLINE_REDIS_TLS_CERT: files.clientCert,
    FAULTLINE_REDIS_TLS_KEY: files.clientKey,
    FAULTLINE_REDIS_PREFIX: prefix,
    ...overrides,
  });
  const healthGauge = async (upstream: string) =>
    pointsOf((await telemetry.otel.collect()).get('faultline.shared_state.healthy'))
      .filter((point) => point.attributes['faultline.upstream'] === upstream)
      .map((point) => point.value);

  it('rounds are healthy with a client certificate and an ACL user; a Retry-After holds another replica back', async () => {
    const env = envFor('tls1:');
    const logs = captureLogs();
    suite.server.script('/tls-ra', { status: 429, headers: { 'retry-after': '30' } }, { status: 200, body: '{}' });
    const client = createClient({
      baseUrl: suite.server.url,
      name: 'tls-ra',
      env,
      telemetry: { logger: logs.logger },
      resilience: [throttle()],
    });
    const lease = sharedOf(env);
    // Another replica over the same TLS connection settings, its own connection.
    const config = readEnvConfig(env);
    const other = sharedStateTo(withoutUndefined({ url: config.redisUrl, tls: config.redisTls }), {
      prefix: 'tls1:',
      replicaId: 'other',
    });
    const otherClient = createClient({
      baseUrl: suite.server.url,
      name: 'tls-ra',
      env: {},
      shared: other,
      resilience: [throttle()],
    });
    try {
      await untilHealthy(lease.shared, other);
      await assert.rejects(client.json('/tls-ra'), ThrottledError);
      assert.deepEqual([await lease.shared.sync(), await other.sync()], [true, true]);
      const held = await otherClient.json('/tls-ra').catch((error: unknown) => error);
      assert.ok(held instanceof ThrottledError, String(held));
      assert.equal(held.code, 'THROTTLE_HOLD');
      assert.equal(suite.server.hits('/tls-ra'), 1, 'the other replica did not send');
      assert.ok((await probe.keys('*tls1:*')).length > 0, 'the fleet’s state is in the TLS Redis');
    } finally {
      await otherClient.close();
      await other.close();
      await client.close();
      await lease.release();
    }
  });

  const wrongSettings = [
    [
      'a CA that did not sign the server’s certificate',
      'tls2:',
      () => ({ FAULTLINE_REDIS_TLS_CA: files.otherCa }),
      /certificate/,
    ],
    [
      'the wrong password',
      'tls3:',
      () => ({ FAULTLINE_REDIS_URL: `rediss://${USER}:not-${PASSWORD}@127.0.0.1:${redis.port}` }),
      /WRONGPASS/,
    ],
  ] as const;
  for (const [what, prefix, wrong, cause] of wrongSettings) {
    it(`${what}: not healthy, reported once, calls unaffected, no password in any line`, async () => {
      const env = envFor(prefix, wrong());
      const logs = captureLogs();
      const name = `tls-${prefix.slice(0, 4)}`;
      suite.server.script(`/${name}`, { status: 200, body: '{"ok":true}' });
      const client = createClient({
        baseUrl: suite.server.url,
        name,
        env,
        telemetry: { logger: logs.logger },
        resilience: [throttle()],
      });
      const lease = sharedOf(env);
      try {
        for (let i = 0; i < 5; i++) {
          assert.equal(await lease.shared.sync(), false);
          assert.deepEqual(await client.json(`/${name}`), { ok: true }, 'the call goes on');
        }
        assert.deepEqual(await healthGauge(name), [0]);
        const reported = sharedStateLinesOf(logs.lines);
        assert.equal(reported.length, 1, JSON.stringify(logs.lines));
        assert.equal(reported[0]!['level'], 'warn');
        assert.match(String(reported[0]!['error']), cause);
        const everything = JSON.stringify(logs.lines);
        assert.doesNotMatch(everything, new RegExp(PASSWORD), 'neither the right password nor the wrong one');
        assert.deepEqual(await probe.keys(`*${prefix}*`), [], 'nothing written');
      } finally {
        await client.close();
        await lease.release();
      }
    });
  }

  it('faultline check masks the password and names the files, never their contents', () => {
    const env = envFor('tls4:', { FAULTLINE_REDIS_CLUSTER_NODES: '127.0.0.1:7000,[::1]:7001' });
    const ok = spawnSync(process.execPath, [cli, 'check'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(
      ok.stdout,
      new RegExp(
        `FAULTLINE_REDIS_URL\\s+rediss://${USER}:\\*\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}\\s+\\(environment\\)`,
      ),
    );
    assert.match(ok.stdout, /FAULTLINE_REDIS_CLUSTER_NODES\s+127\.0\.0\.1:7000,\[::1\]:7001\s+\(environment\)/);
    assert.match(
      ok.stdout,
      new RegExp(`FAULTLINE_REDIS_TLS_KEY\\s+${files.clientKey.replace(/[.]/g, '\\.')}\\s+\\(environment\\)`),
    );
    assert.doesNotMatch(ok.stdout + ok.stderr, new RegExp(`${PASSWORD}|BEGIN`));

    const bad = spawnSync(process.execPath, [cli, 'check', '--json'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...env,
        FAULTLINE_REDIS_URL: `redis://${USER}:${PASSWORD}@127.0.0.1:${redis.port}`,
        FAULTLINE_REDIS_CLUSTER_NODES: `rediss://${USER}:${PASSWORD}@127.0.0.1:7000`,
      },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    const report = JSON.parse(bad.stdout) as { problems: { variable: string }[] };
    assert.deepEqual(
      report.problems.map((p) => p.variable),
      ['FAULTLINE_REDIS_CLUSTER_NODES', 'FAULTLINE_REDIS_TLS_CA'],
    );
    assert.doesNotMatch(bad.stdout + bad.stderr, new RegExp(`${PASSWORD}|BEGIN`));
  });

  it('a process with the TLS variables exits by itself after a call, never closing its client', async () => {
    const result = await runChild(envFor('tls5:'), suite.server.url);
    assert.deepEqual(result, { code: 0, answer: { ok: true }, healthy: true });
  });
});

describe('a Redis Cluster from FAULTLINE_REDIS_CLUSTER_NODES', () => {
  const suite = useFlakyUpstream();
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(() => cluster?.close());

  const envFor = (prefix: string) => ({
    // Two seeds of six: the client finds the others.
    FAULTLINE_REDIS_CLUSTER_NODES: cluster.nodes
      .slice(0, 2)
      .map((node) => node.host)
      .join(','),
    FAULTLINE_REDIS_PREFIX: prefix,
  });

  it('rounds are healthy and a Retry-After learned by one replica holds another back', async () => {
    const env = envFor('env-cluster:');
    suite.server.script('/cluster-ra', { status: 429, headers: { 'retry-after': '30' } }, { status: 200, body: '{}' });
    const logs = captureLogs();
    const client = createClient({
      baseUrl: suite.server.url,
      name: 'cluster-ra',
      env,
      telemetry: { logger: logs.logger },
      resilience: [throttle()],
    });
    const lease = sharedOf(env);
    const config = readEnvConfig(env);
    const other = sharedStateTo(withoutUndefined({ clusterNodes: config.redisClusterNodes }), {
      prefix: 'env-cluster:',
      replicaId: 'other',
    });
    const otherClient = createClient({
      baseUrl: suite.server.url,
      name: 'cluster-ra',
      env: {},
      shared: other,
      resilience: [throttle()],
    });
    // More upstreams on the same shared state: their keys live on every master of the cluster.
    const more = ['billing', 'search', 'ledger', 'mail'].map((name) =>
      createClient({ baseUrl: suite.server.url, name, env, telemetry: { logger: logs.logger } }),
    );
    try {
      assert.equal(await lease.shared.sync(), true, JSON.stringify(logs.lines));
      assert.equal(await other.sync(), true);
      await assert.rejects(client.json('/cluster-ra'), ThrottledError);
      assert.deepEqual([await lease.shared.sync(), await other.sync()], [true, true]);
      const held = await otherClient.json('/cluster-ra').catch((error: unknown) => error);
      assert.ok(held instanceof ThrottledError, String(held));
      assert.equal(held.code, 'THROTTLE_HOLD');
      assert.equal(suite.server.hits('/cluster-ra'), 1, 'the other replica did not send');
      assert.deepEqual(sharedStateLinesOf(logs.lines), []);
    } finally {
      await Promise.all(more.map((c) => c.close()));
      await otherClient.close();
      await other.close();
      await client.close();
      await lease.release();
    }
  });

  it('a process with FAULTLINE_REDIS_CLUSTER_NODES exits by itself after a call, never closing its client', async () => {
    const result = await runChild(envFor('env-cluster-exit:'), suite.server.url);
    assert.deepEqual(result, { code: 0, answer: { ok: true }, healthy: true });
  });

  it('a process whose cluster seeds are all unreachable exits by itself too (a reconnection pending)', async () => {
    const closed = [await freePort(), await freePort()];
    const env = { FAULTLINE_REDIS_CLUSTER_NODES: closed.map((port) => `127.0.0.1:${port}`).join(',') };
    const result = await runChild(env, suite.server.url, 3);
    assert.deepEqual(result, { code: 0, answer: { ok: true }, healthy: false });
  });
});

async function untilHealthy(...replicas: SharedState[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await Promise.all(replicas.map((shared) => shared.sync()))).every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the rounds never reached the cluster');
}

function sharedStateLinesOf(lines: readonly Record<string, unknown>[]) {
  return lines.filter((line) => String(line['message']).includes("shared state's round to Redis"));
}

// Far above the child's own work (about a second), far below "kept alive".
const EXIT_BOUND_MS = 10_000;

async function runChild(env: Record<string, string>, upstream: string, rounds = 100) {
  const proc = spawn(process.execPath, [child, upstream, String(rounds)], {
    env: { PATH: process.env['PATH'] ?? '', ...env, FAULTLINE_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk: Buffer) => (stdout += String(chunk)));
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), EXIT_BOUND_MS)));
  const code = await Promise.race([exited, stuck]);
  clearTimeout(timer);
  if (code === 'stuck') {
    proc.kill('SIGKILL');
    await exited;
  }
  assert.notEqual(code, 'stuck', `still running ${EXIT_BOUND_MS} ms after it started; stderr: ${stderr}`);
  const last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { answer?: unknown; healthy?: boolean };
  return { code, answer: last.answer, healthy: last.healthy };
}

describe('a Redis Cluster over TLS with an ACL user, from the environment (ElastiCache cluster mode)', () => {
  const suite = useFlakyUpstream();
  let files: TlsFiles;
  let cluster: { ports: number[]; stop(): Promise<void> };
  before(async () => {
    files = makeTlsFiles();
    cluster = await startTlsCluster(files);
  });
  after(async () => {
    await cluster?.stop();
    files?.remove();
  });

  const envFor = (prefix: string, ca: string) => ({
    // The "configuration endpoint" with scheme and credentials, one more seed in the list.
    FAULTLINE_REDIS_URL: `rediss://${USER}:${PASSWORD}@127.0.0.1:${cluster.ports[0]}`,
    FAULTLINE_REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.ports[1]}`,
    FAULTLINE_REDIS_TLS_CA: ca,
    FAULTLINE_REDIS_PREFIX: prefix,
  });

  it('rounds over five upstreams reach every master; a Retry-After holds another replica back', async () => {
    const env = envFor('tls-cluster:', files.ca);
    suite.server.script(
      '/tls-cluster-ra',
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200, body: '{}' },
    );
    const logs = captureLogs();
    const clients = ['tls-cluster-ra', 'billing', 'search', 'ledger', 'mail'].map((name) =>
      createClient({
        baseUrl: suite.server.url,
        name,
        env,
        telemetry: { logger: logs.logger },
        resilience: [throttle()],
      }),
    );
    const lease = sharedOf(env);
    const config = readEnvConfig(env);
    const other = sharedStateTo(
      withoutUndefined({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, tls: config.redisTls }),
      { prefix: 'tls-cluster:', replicaId: 'other' },
    );
    const otherClient = createClient({
      baseUrl: suite.server.url,
      name: 'tls-cluster-ra',
      env: {},
      shared: other,
      resilience: [throttle()],
    });
    try {
      // A cluster just created may still be settling its gossip: until both replicas' rounds get through.
      await untilHealthy(lease.shared, other);
      logs.reset();
      await assert.rejects(clients[0]!.json('/tls-cluster-ra'), ThrottledError);
      assert.deepEqual([await lease.shared.sync(), await other.sync()], [true, true]);
      const held = await otherClient.json('/tls-cluster-ra').catch((error: unknown) => error);
      assert.ok(held instanceof ThrottledError, String(held));
      assert.equal(held.code, 'THROTTLE_HOLD');
      assert.equal(suite.server.hits('/tls-cluster-ra'), 1, 'the other replica did not send');
      assert.deepEqual(sharedStateLinesOf(logs.lines), []);
    } finally {
      await otherClient.close();
      await other.close();
      await Promise.all(clients.map((client) => client.close()));
      await lease.release();
    }
  });

  it('with a CA that did not sign the nodes’ certificates: not healthy, said once, no password', async () => {
    const env = envFor('tls-cluster-wrong:', files.otherCa);
    const logs = captureLogs();
    suite.server.script('/tls-cluster-ok', { status: 200, body: '{"ok":true}' });
    const client = createClient({
      baseUrl: suite.server.url,
      name: 'tls-cluster-ok',
      env,
      telemetry: { logger: logs.logger },
    });
    const lease = sharedOf(env);
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal(await lease.shared.sync(), false);
        assert.deepEqual(await client.json('/tls-cluster-ok'), { ok: true });
      }
      const reported = sharedStateLinesOf(logs.lines);
      assert.equal(reported.length, 1, JSON.stringify(logs.lines));
      assert.match(String(reported[0]!['error']), /self-signed certificate in certificate chain/);
      assert.doesNotMatch(JSON.stringify(logs.lines), new RegExp(PASSWORD));
    } finally {
      await client.close();
      await lease.release();
    }
  });

  it('with that CA, every round says the certificate, also once the cluster gave up on all its seeds', async () => {
    const config = readEnvConfig(envFor('tls-cluster-every:', files.otherCa));
    const backend = connectRedis(
      withoutUndefined({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, tls: config.redisTls }),
      500,
    );
    try {
      // Over more than a second the cluster tries both seeds and gives up ("Failed to refresh
      // slots cache.") several times: rounds fall between its attempts as well as in them.
      const reasons = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const failure = await backend.exec([['PING']]).then(
          (replies) => replies[0],
          (error: unknown) => error,
        );
        assert.ok(failure instanceof Error, String(failure));
        reasons.add(failure.message.replace(/^.*\(the connection failed: (.*)\)$/, '$1'));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual([...reasons], ['self-signed certificate in certificate chain']);
    } finally {
      await backend.close();
    }
  });
});

describe('the first round of a connection faultline makes', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('waits for the connection being made instead of failing on it and saying so at every start', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const shared = sharedState({ url: redis.url, prefix: 'first-round:', syncIntervalMs: 60_000 });
    try {
      assert.equal(await shared.sync(), true);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.filter((message) => message.includes('shared state')),
        [],
      );
    } finally {
      process.off('warning', onWarning);
      await shared.close();
    }
  });
});
