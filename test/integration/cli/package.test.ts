import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));

describe('the published package', () => {
  it('carries the MIT LICENSE that package.json names', () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      license: string;
      files: string[];
    };
    assert.equal(manifest.license, 'MIT');
    assert.ok(manifest.files.includes('LICENSE'));
    const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 faultline contributors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);

    // What npm would publish, as npm itself lists it.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const [listing] = JSON.parse(packed.stdout) as { files: { path: string }[] }[];
    const paths = listing?.files.map((file) => file.path) ?? [];
    assert.ok(paths.includes('LICENSE'), 'LICENSE is in the tarball');
    assert.ok(paths.includes('dist/pkg/cli.js'), 'with the CLI beside it');
    // The bundled entries ship, with the type declarations; the unbundled modules do not.
    for (const entry of ['index', 'testing', 'express', 'fastify'])
      assert.ok(paths.includes(`dist/pkg/${entry}.js`), entry);
    assert.ok(paths.includes('dist/src/index.d.ts'));
    assert.deepEqual(
      paths.filter((path) => path.startsWith('dist/src/') && !path.endsWith('.d.ts')),
      [],
    );
    // A source map whose sources are not in the tarball only misleads a debugger (and weighs).
    for (const map of paths.filter((path) => path.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(repo, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const shipped = join(dirname(map), source).replaceAll('\\', '/');
        assert.ok(paths.includes(shipped), `${map} points at ${source}, which the package does not ship`);
      }
    }
  });
});
