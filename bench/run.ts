// npm run bench [-- --rounds 7 --requests 20000 --warmup 2000 --concurrency 16 --quick]
//
// Compares faultline with bare undici, fetch, got, axios and ky in one interleaved run:
// the server runs in its own process, every contender is measured in every round, and
// the table reports medians of CPU µs per request (the stable figure on a shared
// machine) and req/s, plus each one's ratio to undici.request.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contender, contenders } from './contenders.js';
import { signalContenders } from './signalContenders.js';

interface Options {
  rounds: number;
  requests: number;
  warmup: number;
  concurrency: number;
  paths: string[];
  only: string[] | undefined;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    return index === -1 ? fallback : Number(argv[index + 1]);
  };
  return {
    rounds: value('--rounds', quick ? 1 : 7),
    requests: value('--requests', quick ? 500 : 20_000),
    warmup: value('--warmup', quick ? 200 : 2_000),
    concurrency: value('--concurrency', 16),
    paths: ['/ok', '/fail'],
    only: argv.includes('--only') ? (argv[argv.indexOf('--only') + 1] ?? '').split(',') : undefined,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const hasTaskset = existsSync('/usr/bin/taskset');

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const script = join(here, 'server.js');
  const child = hasTaskset
    ? spawn('/usr/bin/taskset', ['-c', '1', process.execPath, script])
    : spawn(process.execPath, [script]);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

/** Sends `count` requests, `concurrency` at a time; returns CPU µs/request and req/s. */
async function measure(
  contender: Contender,
  path: string,
  count: number,
  concurrency: number,
): Promise<{ cpuUs: number; rps: number }> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await contender.send(path);
    }
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallNs = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / count, rps: count / (wallNs / 1e9) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (hasTaskset) {
    // Pin this (client) process to core 0; the server has core 1.
    spawn('/usr/bin/taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  }
  const server = await startServer();
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const signals = await signalContenders(baseUrl);
  const all = contenders(baseUrl, signals.contenders).filter(
    (c) =>
      options.only === undefined ||
      c.name === 'undici.request' ||
      options.only.some((word) => c.name.includes(word)),
  );
  const results = new Map<string, { cpu: number[]; rps: number[] }>();
  try {
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round so no contender always runs first or last.
      const order = all.map((_, i) => all[(i + round) % all.length]!);
      for (const contender of order) {
        for (const path of options.paths) {
          await measure(contender, path, options.warmup, options.concurrency);
          const { cpuUs, rps } = await measure(
            contender,
            path,
            options.requests,
            options.concurrency,
          );
          const key = `${contender.name}\t${path}`;
          const entry = results.get(key) ?? { cpu: [], rps: [] };
          entry.cpu.push(cpuUs);
          entry.rps.push(rps);
          results.set(key, entry);
        }
      }
      process.stderr.write(`round ${round + 1}/${options.rounds} done\n`);
    }
  } finally {
    for (const contender of all) await contender.close();
    await signals.shutdown();
    server.stop();
  }

  const cpuOf = (name: string, path: string): number =>
    median(results.get(`${name}\t${path}`)?.cpu ?? [Number.NaN]);
  const lines = [
    `Node ${process.version}, ${options.rounds} rounds × ${options.requests} requests (after ${options.warmup} warm-up), concurrency ${options.concurrency}, medians.`,
    '',
    '| client | CPU µs/req, 200 | req/s, 200 | CPU µs/req, 503 | req/s, 503 | vs undici.request (200 / 503) |',
    '|---|---|---|---|---|---|',
  ];
  for (const contender of all) {
    const cells = options.paths.flatMap((path) => {
      const entry = results.get(`${contender.name}\t${path}`)!;
      return [median(entry.cpu).toFixed(0), median(entry.rps).toFixed(0)];
    });
    const ratios = options.paths
      .map((path) => `${(cpuOf(contender.name, path) / cpuOf('undici.request', path)).toFixed(2)}×`)
      .join(' / ');
    lines.push(`| ${contender.name} | ${cells.join(' | ')} | ${ratios} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
