// Bundles the compiled package entries (dist/src, from tsc) into dist/pkg, the files
// package.json's exports point at. Why: Node resolves, reads and compiles each ES module
// on its own, and faultline's ~100 small modules cost ~40 ms of `import 'faultline'` that
// way; bundled, the same code loads in a few files. Dependencies stay external: they load
// from node_modules, lazily, as in dist/src.
//
// Two builds:
// - `faultline`, `/testing`, `/express` and `/fastify` share chunks (splitting), so they see one
//   copy of every class and every piece of state (the caller's deadline, the default logger,
//   the Sentry marks). Each chunk is a file `import 'faultline'` reads: fewer entries, fewer files.
// - `/classification` (pure functions) and the CLI (its own process) are bundled whole, so
//   they add no chunk to the others.
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

const common = {
  absWorkingDir: root,
  outdir: 'dist/pkg',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // No source maps: they would point at dist/src modules the package does not ship, and the
  // bundle is not minified, so its stack traces read as they are.
  sourcemap: false,
  // Not keepNames: its `__name()` call per function and class costs `import 'faultline'` about
  // 3 ms. Names stay as written because no two modules declare the same top-level name;
  // checkNoRenames() below fails the build if one ever does (esbuild would rename it `name2`,
  // and a class's `error.name` or a factory's `.name` would show that).
  keepNames: false,
  metafile: true,
  logLevel: 'warning',
};

const shared = await build({
  ...common,
  entryPoints: {
    index: 'dist/src/index.js',
    testing: 'dist/src/testing/index.js',
    express: 'dist/src/express/index.js',
    fastify: 'dist/src/fastify/index.js',
  },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
});
const whole = await build({
  ...common,
  entryPoints: {
    classification: 'dist/src/classification/index.js',
    cli: 'dist/src/cli/faultline.js',
  },
});

checkNoRenames([...Object.keys(shared.metafile.outputs), ...Object.keys(whole.metafile.outputs)]);

/** Every function or class the bundle declares carries a name some source module wrote. */
function checkNoRenames(outputs) {
  const written = new Set();
  for (const file of sourceFiles(join(root, 'dist/src'))) {
    for (const word of readFileSync(file, 'utf8').match(/[A-Za-z_$][\w$]*/g) ?? []) written.add(word);
  }
  const declared =
    /\b(?:function\*?|class)\s+([A-Za-z_$][\w$]*)|\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:class\b|function\b|async\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/g;
  const renamed = [];
  for (const output of outputs) {
    const text = readFileSync(join(root, output), 'utf8');
    for (const match of text.matchAll(declared)) {
      const name = match[1] ?? match[2];
      if (!written.has(name)) renamed.push(`${output}: ${name}`);
    }
  }
  if (renamed.length > 0) {
    console.error(
      `bundle: esbuild renamed ${renamed.length} declaration(s) because two modules use one name; ` +
        `give one of each a name of its own:\n  ${renamed.join('\n  ')}`,
    );
    process.exit(1);
  }
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}
