// What `import 'faultline'` loads (issue 25: the import stays cheap). Time is the bench's to
// measure; this checks the cause that can be checked exactly: the package's entry loads no
// dependency from node_modules and none of Node's builtins that cost milliseconds, so those
// load where a call, an auth strategy, a setting or the service side first uses them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const entry = fileURLToPath(new URL('../../../pkg/index.js', import.meta.url));

/** Node's builtins and the node_modules files a fresh process loads for `import(target)`, then for `after`. */
function loadedBy(target: string, after = ''): { builtins: string[]; packages: string[] } {
  const script = `
    const before = new Set(process.moduleLoadList);
    const faultline = await import(${JSON.stringify(target)});
    ${after}
    const { createRequire } = await import('node:module');
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify({
      builtins: process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)),
      packages: Object.keys(cache).filter((file) => file.includes('/node_modules/')).map((file) => file.split('/node_modules/').at(-1).split('/').slice(0, 2).join('/')),
    }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { builtins: string[]; packages: string[] };
}

const COSTLY = ['crypto', 'http', 'stream', 'fs', 'os', 'async_hooks', 'diagnostics_channel'];

describe("import 'faultline'", () => {
  it('loads no package from node_modules and none of the costly builtins', () => {
    const { builtins, packages } = loadedBy(entry);
    assert.deepEqual(packages, []);
    assert.deepEqual(
      builtins.filter((name) => COSTLY.includes(name)),
      [],
    );
  });

  it('a client, once made and used, has what it needs: the OpenTelemetry API and undici load then', () => {
    const { packages } = loadedBy(
      entry,
      `const client = faultline.createClient({ name: 'x', baseUrl: 'http://127.0.0.1:9' });
       await client.get('/').catch(() => {});
       await client.close();`,
    );
    const names = new Set(
      packages.map((file) => (file.split('/')[0] === '@opentelemetry' ? file : file.split('/')[0])),
    );
    assert.ok(names.has('@opentelemetry/api'), [...names].join(' '));
    assert.ok(names.has('undici'), [...names].join(' '));
  });
});
