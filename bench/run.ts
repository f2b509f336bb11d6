// npm run bench [-- --rounds 7 --requests 20000 --warmup 2000 --concurrency 16 --only NAME,... --quick
//                  --sampling off --phase plain|signals]
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
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const value = (flag: string, fallback: number): number => {
  const index = argv.indexOf(flag);
  return index === -1 ? fallback : Number(argv[index + 1]);
};
const options = {
  rounds: value('--rounds', quick ? 1 : 7),
  requests: value('--requests', quick ? 500 : 20_000),
  warmup: value('--warmup', quick ? 200 : 2_000),
  concurrency: value('--concurrency', 16),
  only: argv.includes('--only') ? (argv[argv.indexOf('--only') + 1] ?? '').split(',') : undefined,
  sampling: argv.includes('--sampling') && argv[argv.indexOf('--sampling') + 1] === 'off' ? 'off' : 'on',
};
const phases = argv.includes('--phase') ? [argv[argv.indexOf('--phase') + 1]] : ['plain', 'signals'];
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

interface PhaseResult {
  order: string[];
  results: Record<string, { cpu: number[]; rps: number[] }>;
}

async function runPhase(phase: 'plain' | 'signals', baseUrl: string): Promise<PhaseResult> {
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

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const server = await startServer();
try {
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const none: PhaseResult = { order: [], results: {} };
  const plain = phases.includes('plain') ? await runPhase('plain', baseUrl) : none;
  const signals = phases.includes('signals') ? await runPhase('signals', baseUrl) : none;
  const baseline = (path: string): number => median(plain.results[`undici.request\t${path}`]?.cpu ?? [Number.NaN]);
  const sameProcess = (path: string): number => median(signals.results[`undici.request\t${path}`]?.cpu ?? [Number.NaN]);
  const handRolled = (path: string): number => median(signals.results[`${HAND_ROLLED}\t${path}`]?.cpu ?? [Number.NaN]);
  const lines = [
    `Node ${process.version}; ${options.rounds} rounds × ${options.requests} requests after ${options.warmup} warm-up; concurrency ${options.concurrency}; log sampling ${options.sampling}; medians of CPU per request. "× undici" is against undici.request in the clean phase; "× same-process undici" against undici.request in the signals phase's process; "× hand-rolled" against the ${HAND_ROLLED} in that process.`,
    '',
    '| client | CPU µs/req, 200 | req/s, 200 | CPU µs/req, 503 | req/s, 503 | × undici, 200 | × undici, 503 | × same-process undici, 200 | × same-process undici, 503 | × hand-rolled, 200 | × hand-rolled, 503 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const add = (label: string, results: PhaseResult['results'], name: string, inSignalsPhase: boolean): void => {
    const ok = results[`${name}\t/ok`];
    const fail = results[`${name}\t/fail`];
    if (ok === undefined || fail === undefined) return;
    const ratio = (value: number, against: number): string => (value / against).toFixed(2);
    const okCpu = median(ok.cpu);
    const failCpu = median(fail.cpu);
    const own = inSignalsPhase
      ? `${ratio(okCpu, sameProcess('/ok'))} | ${ratio(failCpu, sameProcess('/fail'))} | ${ratio(okCpu, handRolled('/ok'))} | ${ratio(failCpu, handRolled('/fail'))}`
      : ' | | | ';
    lines.push(
      `| ${label} | ${okCpu.toFixed(0)} | ${median(ok.rps).toFixed(0)} | ${failCpu.toFixed(0)} | ${median(fail.rps).toFixed(0)} | ${ratio(okCpu, baseline('/ok'))} | ${ratio(failCpu, baseline('/fail'))} | ${own} |`,
    );
  };
  for (const name of plain.order) add(name, plain.results, name, false);
  for (const name of signals.order)
    add(
      name === 'undici.request' ? 'undici.request (signals phase, same process as SDKs)' : name,
      signals.results,
      name,
      true,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  server.stop();
}
