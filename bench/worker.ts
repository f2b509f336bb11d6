// One phase of the benchmark in its own process: `plain` (faultline without signals, undici
// and fetch; no telemetry SDK loaded), `libraries` (got, axios and ky, with undici for their
// ratios: their garbage and JIT state stay out of the plain rows' process) or `signals`
// (the OpenTelemetry SDK, winston and Sentry set up). Prints JSON results.
import { type Contender, contenders } from './contenders.js';
import { measure } from './measure.js';
import { signalContenders } from './signalContenders.js';

interface Args {
  phase: 'plain' | 'libraries' | 'signals';
  baseUrl: string;
  rounds: number;
  requests: number;
  warmup: number;
  concurrency: number;
  only: string[] | undefined;
  sampling: 'on' | 'off';
  quick: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;

/** The rows measured in the `libraries` phase. */
const LIBRARIES = ['got', 'axios', 'ky'];

/**
 * FAULTLINE_BENCH_SLOWDOWN_US (the bench's only, never read by faultline): µs of busy CPU
 * added to every call of faultline's rows, to show the reference check fails on a regression.
 */
const slowdownUs = Number(process.env['FAULTLINE_BENCH_SLOWDOWN_US'] ?? 0);

function slowedDown(contender: Contender): Contender {
  if (!(slowdownUs > 0) || !contender.name.startsWith('faultline')) return contender;
  return {
    ...contender,
    send: (path) => {
      const until = performance.now() + slowdownUs / 1000;
      while (performance.now() < until);
      return contender.send(path);
    },
  };
}

const signals = args.phase === 'signals' ? await signalContenders(args.baseUrl, args.sampling) : undefined;
// undici.request runs in every phase: each phase's ratios are taken against its own.
const plain = contenders(args.baseUrl).filter(
  (c) => c.name === 'undici.request' || args.phase === (LIBRARIES.includes(c.name) ? 'libraries' : 'plain'),
);
const all = [...(signals?.contenders ?? []), ...plain]
  .filter((c) => !args.quick || c.quick === true)
  .filter(
    (c) => args.only === undefined || c.name === 'undici.request' || args.only.some((word) => c.name.includes(word)),
  )
  .map(slowedDown);
const results: Record<string, { cpu: number[]; rps: number[] }> = {};
for (let round = 0; round < args.rounds; round++) {
  const order = all.map((_, i) => all[(i + round) % all.length]!);
  for (const contender of order) {
    contender.enter?.();
    for (const path of contender.paths ?? ['/ok', '/fail']) {
      await measure(contender, path, args.warmup, args.concurrency);
      const { cpuUs, rps } = await measure(contender, path, args.requests, args.concurrency);
      const key = `${contender.name}\t${path}`;
      const entry = results[key] ?? { cpu: [], rps: [] };
      entry.cpu.push(cpuUs);
      entry.rps.push(rps);
      results[key] = entry;
    }
    contender.leave?.();
  }
  process.stderr.write(`${args.phase}: round ${round + 1}/${args.rounds}\n`);
}
for (const contender of all) await contender.close();
await signals?.shutdown();
const describe = Object.fromEntries(all.flatMap((c) => (c.describe === undefined ? [] : [[c.name, c.describe]])));
process.stdout.write(`${JSON.stringify({ order: all.map((c) => c.name), results, describe })}\n`);
process.exit(0);
