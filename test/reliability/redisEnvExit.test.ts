import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultServer, startFaultServer } from '../../src/testing/index.js';
import { type RedisServer, startRedis } from '../../fixtures/redisServer.js';

const child = fileURLToPath(new URL('./fixtures/redisEnvChild.js', import.meta.url));
// Far above the child's own work (well under a second here), far below "kept alive".
const EXIT_BOUND_MS = 8_000;

/** FAULTLINE_REDIS_URL's connection never keeps a process alive once it is done. */
describe('a process with FAULTLINE_REDIS_URL exits by itself', () => {
  let upstream: FaultServer;
  let redis: RedisServer;
  before(async () => {
    upstream = await startFaultServer();
    redis = await startRedis();
  });
  after(async () => {
    await upstream.close();
    await redis.stop();
  });

  for (const mode of ['close', 'shutdown', 'never'] as const) {
    const ending = { close: 'client.close()', shutdown: 'shutdown()', never: 'neither close() nor shutdown()' }[mode];
    it(`after a call and ${ending}`, async () => {
      const proc = spawn(process.execPath, [child, mode, upstream.url], {
        env: { ...process.env, FAULTLINE_REDIS_URL: redis.url, FAULTLINE_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
      proc.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
      const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), EXIT_BOUND_MS)));
      const result = await Promise.race([exited, stuck]);
      clearTimeout(timer);
      if (result === 'stuck') {
        proc.kill('SIGKILL');
        await exited;
      }
      assert.notEqual(result, 'stuck', `still running ${EXIT_BOUND_MS} ms after it started; stdout: ${stdout}`);
      assert.equal(result, 0, stderr);
      assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'), { answer: { ok: true } });
    });
  }
});
