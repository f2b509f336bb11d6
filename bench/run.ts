// npm run bench [-- --rounds 7 --requests 20000 --warmup 2000 --concurrency 16 --only NAME,... --quick
//                  --sampling off --phase plain|libraries|signals --no-check --write-reference]
//
// Compares faultline with bare undici, fetch, got, axios and ky. The server runs in its
// own process (pinned to core 1 where taskset exists) and the clients in another
// (core 0). Each round measures every contender in a rotated order; the table reports
// medians over rounds of CPU µs per request (the stable figure on a shared machine) and
// req/s, and each one's ratio to undici.request's CPU. The "signals on" phase runs in a
// process of its own with the OpenTelemetry SDK, winston and Sentry set up, as a service
// has them; its rows are compared both with undici.request in the clean phase and with
// undici.request in that same process, which pays what the SDKs cost every request
// (Sentry's undici instrumentation, AsyncLocalStorage) whichever client sends it. The
// second ratio is what faultline's signals add. The signals phase also runs the
// hand-rolled stacks (undici.request or fetch traced by @opentelemetry/instrumentation-undici,
// a winston line and Sentry.captureException per failure), and each row there is compared
// with the hand-rolled undici stack too. `--sampling off` runs faultline's clients with
// every failure line written (otherwise FAULTLINE_LOG_SAMPLE_* pass through from the
// environment, defaulting to the storm sampling); `--phase` runs one phase alone.
//
// Then it prints issue 25's figures (tableRatios.ts): faultline against the floor (a span
// and a histogram record by hand), against undici + instrumentation-undici, the storm
// against the floor's failure path and the hand-rolled stack, the default client against
// undici, and `import 'faultline'`, each with its spread over rounds; and checks each
// against bench/reference.json (the set for a quick or a full run): a figure over its
// reference × the margin there fails the run (exit 1) with a line naming it.
// `--write-reference` stores this run's figures as the reference of its kind; `--no-check`
// skips the check. `--quick` (the CI smoke run) measures only the rows of those figures.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { importTimes } from './importTime.js';
import { checkRatios, type Reference } from './referenceCheck.js';
import { importRatio, median, type PhaseResult, type Ratio, tableRatios } from './tableRatios.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The source file, not a copy in dist: `--write-reference` updates what is committed. */
const referencePath = fileURLToPath(new URL('../../bench/reference.json', import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const value = (flag: string, fallback: number): number => {
  const index = argv.indexOf(flag);
  return index === -1 ? fallback : Number(argv[index + 1]);
};
const options = {
  rounds: value('--rounds', quick ? 5 : 7),
  requests: value('--requests', quick ? 800 : 20_000),
  warmup: value('--warmup', 2_000),
  concurrency: value('--concurrency', 16),
  only: argv.includes('--only') ? (argv[argv.indexOf('--only') + 1] ?? '').split(',') : undefined,
  sampling: argv.includes('--sampling') && argv[argv.indexOf('--sampling') + 1] === 'off' ? 'off' : 'on',
  quick,
};
const check = !argv.includes('--no-check');
const writeReference = argv.includes('--write-reference');
// The quick run measures only the figures' rows, none of which is in the libraries phase.
const phases = argv.includes('--phase')
  ? [argv[argv.indexOf('--phase') + 1]]
  : quick
    ? ['plain', 'signals']
    : ['plain', 'libraries', 'signals'];
/** The row the "× hand-rolled" ratios are taken against. */
const HAND_ROLLED = 'hand-rolled undici.request stack';
const taskset = existsSync('/usr/bin/taskset') ? '/usr/bin/taskset' : undefined;

function pinned(core: number, script: string, args: string[] = []) {
  const command = [process.execPath, join(here, script), ...args];
  return taskset === undefined
    ? spawn(command[0]!, command.slice(1))
    : spawn(taskset, ['-c', String(core), ...command]);
}

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = pinned(1, 'server.js');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

async function runPhase(phase: 'plain' | 'libraries' | 'signals', baseUrl: string): Promise<PhaseResult> {
  const child = pinned(0, 'worker.js', [JSON.stringify({ phase, baseUrl, ...options })]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.pipe(process.stderr);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench phase ${phase} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as PhaseResult;
}

const started = Date.now();
const server = await startServer();
let measured: Record<'plain' | 'signals', PhaseResult>;
try {
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const none: PhaseResult = { order: [], results: {} };
  const plain = phases.includes('plain') ? await runPhase('plain', baseUrl) : none;
  const libraries = phases.includes('libraries') ? await runPhase('libraries', baseUrl) : none;
  const signals = phases.includes('signals') ? await runPhase('signals', baseUrl) : none;
  const undiciIn = (phase: PhaseResult, path: string): number =>
    median(phase.results[`undici.request\t${path}`]?.cpu ?? [Number.NaN]);
  const sameProcess = (path: string): number => median(signals.results[`undici.request\t${path}`]?.cpu ?? [Number.NaN]);
  const handRolled = (path: string): number => median(signals.results[`${HAND_ROLLED}\t${path}`]?.cpu ?? [Number.NaN]);
  const lines = [
    `Node ${process.version}; ${options.rounds} rounds × ${options.requests} requests after ${options.warmup} warm-up; concurrency ${options.concurrency}; log sampling ${options.sampling}; medians of CPU per request. "× undici" is against undici.request in the clean phase (for got, axios and ky: in their own process, the libraries phase); "× same-process undici" against undici.request in the signals phase's process; "× hand-rolled" against the ${HAND_ROLLED} in that process.`,
    '',
    '| client | CPU µs/req, 200 | req/s, 200 | CPU µs/req, 503 | req/s, 503 | × undici, 200 | × undici, 503 | × same-process undici, 200 | × same-process undici, 503 | × hand-rolled, 200 | × hand-rolled, 503 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  /** A row of `phase`; its "× undici" is against undici.request in `cleanPhase` (plain, or libraries for got, axios and ky). */
  const add = (label: string, phase: PhaseResult, name: string, inSignalsPhase: boolean, cleanPhase = plain): void => {
    const { results } = phase;
    const baseline = (path: string): number => undiciIn(cleanPhase, path);
    const ok = results[`${name}\t/ok`];
    const fail = results[`${name}\t/fail`] ?? { cpu: [], rps: [] };
    if (ok === undefined) return;
    const ratio = (value: number, against: number): string =>
      Number.isNaN(value) ? '—' : (value / against).toFixed(2);
    const okCpu = median(ok.cpu);
    const failCpu = median(fail.cpu);
    const own = inSignalsPhase
      ? `${ratio(okCpu, sameProcess('/ok'))} | ${ratio(failCpu, sameProcess('/fail'))} | ${ratio(okCpu, handRolled('/ok'))} | ${ratio(failCpu, handRolled('/fail'))}`
      : ' | | | ';
    lines.push(
      `| ${label} | ${okCpu.toFixed(0)} | ${median(ok.rps).toFixed(0)} | ${Number.isNaN(failCpu) ? '—' : failCpu.toFixed(0)} | ${Number.isNaN(failCpu) ? '—' : median(fail.rps).toFixed(0)} | ${ratio(okCpu, baseline('/ok'))} | ${ratio(failCpu, baseline('/fail'))} | ${own} |`,
    );
  };
  for (const name of plain.order) add(name, plain, name, false);
  for (const name of libraries.order) if (name !== 'undici.request') add(name, libraries, name, false, libraries);
  for (const name of signals.order)
    add(name === 'undici.request' ? 'undici.request (signals phase, same process as SDKs)' : name, signals, name, true);
  const legend = { ...plain.describe, ...libraries.describe, ...signals.describe };
  lines.push('', 'What each row is:');
  for (const name of new Set([...plain.order, ...libraries.order, ...signals.order]))
    if (legend[name] !== undefined) lines.push(`- ${name}: ${legend[name]}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  measured = { plain, signals };
} finally {
  server.stop();
}

// A full run takes 21 pairs: the import is the figure a burst of load moves most.
const times = importTimes(quick ? 7 : 21);
const ratios: Ratio[] = [...tableRatios(measured), importRatio(times)];
const spread = (r: Ratio): string => (Number.isNaN(r.min) ? '—' : `${r.min.toFixed(2)}–${r.max.toFixed(2)}`);
const out = [
  '',
  `Issue 25's figures: CPU per request (import: ms), ratio of the medians and, as spread, the lowest and highest per-round ratio (import: per pair of fresh processes) over ${options.rounds} rounds.`,
  '',
  '| figure | ratio | spread | medians | target |',
  '|---|---|---|---|---|',
  ...ratios.map(
    (r) =>
      `| ${r.label} | ${Number.isNaN(r.value) ? '—' : `${r.value.toFixed(2)}×`} | ${spread(r)} | ${r.detail} | ${r.target} |`,
  ),
  '',
];
const kind = quick ? 'quick' : 'full';
const reference = existsSync(referencePath)
  ? (JSON.parse(readFileSync(referencePath, 'utf8')) as Reference)
  : undefined;
const set = reference?.[kind];
let failed = false;
if (writeReference) {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const next: Reference = {
    margin: 1.5,
    ...reference,
    [kind]: {
      run: {
        date: new Date().toISOString(),
        commit,
        node: process.version,
        command: `node dist/bench/run.js ${argv.join(' ')}`.trim(),
      },
      ratios: Object.fromEntries(
        ratios
          .filter((r) => !Number.isNaN(r.value))
          .map((r) => [r.id, { value: round(r.value), min: round(r.min), max: round(r.max) }]),
      ),
    },
  };
  writeFileSync(referencePath, `${JSON.stringify(next, null, 2)}\n`);
  out.push(`Stored as the ${kind} reference in ${referencePath}.`);
} else if (!check) out.push('Reference check skipped (--no-check).');
else if (options.sampling === 'off') out.push('Reference check skipped: the references are for storm sampling on.');
else if (reference === undefined || set === undefined)
  out.push(`No ${kind} reference in ${referencePath}: nothing checked.`);
else {
  const result = checkRatios(ratios, set.ratios, reference.margin, reference.margins);
  out.push(
    `Against the ${kind} reference (${set.run.commit}, ${set.run.date}; a figure fails over reference × ${reference.margin}${reference.margins === undefined ? '' : `, or its own margin: ${JSON.stringify(reference.margins)}`}):`,
    ...result.lines,
  );
  failed = result.failures.length > 0;
  if (failed) out.push('', `${result.failures.length} figure(s) over their reference: the benchmark FAILS.`);
}
out.push(`Run time: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
process.stdout.write(`${out.join('\n')}\n`);
if (failed) {
  process.stderr.write('bench: figures over their reference in bench/reference.json (BENCH REGRESSION lines above)\n');
  process.exitCode = 1;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
