// Bundles the compiled package entries (dist/src, from tsc) into dist/pkg, the files
// package.json's exports point at. Why: Node resolves, reads and compiles each ES module
// on its own, and faultline's ~100 small modules cost ~40 ms of `import 'faultline'` that
// way; bundled, the same code loads in a few files. The entries share chunks (splitting),
// so `faultline` and its subpaths (`/classification`, `/testing`, `/express`, `/fastify`) see one
// copy of every class and every piece of state. Dependencies stay external: they load from
// node_modules, lazily, as in dist/src.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: {
    index: 'dist/src/index.js',
    classification: 'dist/src/classification/index.js',
    testing: 'dist/src/testing/index.js',
    express: 'dist/src/express/index.js',
    fastify: 'dist/src/fastify/index.js',
    cli: 'dist/src/cli/faultline.js',
  },
  outdir: 'dist/pkg',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // No source maps: they would point at dist/src modules the package does not ship, and the
  // bundle is not minified (names kept), so its stack traces read as they are.
  sourcemap: false,
  // Class and function names stay as written: they show in stack traces and `error.name`.
  keepNames: true,
  logLevel: 'warning',
});
