import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../../src/index.js', import.meta.url));

describe('the Redis client is an optional peer, loaded only when sharing is on', () => {
  it('import and a client without Redis leave ioredis unloaded; a shared state loads it', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { createClient, sharedState } = await import(${JSON.stringify(entry)});
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/ioredis/'));
      const steps = [loaded()];
      createClient({ name: 'x', env: {} });
      steps.push(loaded());
      const shared = sharedState({ url: 'redis://127.0.0.1:1', timeoutMs: 50 });
      steps.push(loaded());
      await shared.close();
      console.log(JSON.stringify(steps));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [false, false, true]);
  });
});
