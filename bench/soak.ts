// npm run soak [-- --requests 1000000 --concurrency 16]
//
// A long run through a client with every signal on (spans, metrics, winston logs at info,
// Sentry with its cap) against a local server in its own process, 10% of calls failing
// with 503 and retried. After a warm-up of the first 30%, RSS (after a forced GC) must
// stay within ±10% and active handles must not grow past the socket pool. Prints a summary and
// a JSON line; exits 1 if either drifts. CI runs 100,000 requests.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, isRequestFailure, retry, throttle } from '../src/index.js';
import { signalContenders } from './signalContenders.js';

const argv = process.argv.slice(2);
const arg = (flag: string, fallback: number): number => {
  const index = argv.indexOf(flag);
  return index === -1 ? fallback : Number(argv[index + 1]);
};
const total = arg('--requests', 1_000_000);
const concurrency = arg('--concurrency', 16);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const server = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'server.js')]);
const port = await new Promise<number>((resolve) =>
  server.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
);
const baseUrl = `http://127.0.0.1:${port}`;
// Reuses the benchmark's "signals on" set-up: OpenTelemetry SDK, winston, Sentry.
const signals = await signalContenders(baseUrl);
const client = createClient({
  baseUrl,
  telemetry: { logger: signals.logger },
  name: 'soak',
  resilience: [retry({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }), throttle()],
  env: {},
});

interface Sample {
  done: number;
  rssMb: number;
  heapMb: number;
  handles: number;
}
const samples: Sample[] = [];
const sample = (done: number): void => {
  gc();
  const memory = process.memoryUsage();
  samples.push({
    done,
    rssMb: memory.rss / 2 ** 20,
    heapMb: memory.heapUsed / 2 ** 20,
    handles: process.getActiveResourcesInfo().length,
  });
};

let failures = 0;
const segments = 20;
const perSegment = Math.max(1, Math.floor(total / segments));
const started = Date.now();
// In segments, sampling between them when nothing is in flight: handles then count what
// is kept (pools, timers), not what a request holds for a moment.
for (let segment = 1; segment <= segments; segment++) {
  let left = perSegment;
  const worker = async (): Promise<void> => {
    while (left > 0) {
      left--;
      try {
        await client.json(left % 10 === 9 ? '/fail' : '/ok');
      } catch (error) {
        if (!isRequestFailure(error)) throw error;
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Let what the last calls started (a log write, an export, a socket closing) settle.
  await new Promise((resolve) => setTimeout(resolve, 50));
  sample(segment * perSegment);
}
const seconds = (Date.now() - started) / 1000;

await client.close();
await signals.shutdown();
server.kill('SIGTERM');

// The first 30% is warm-up: pools fill, the JIT settles, caches and the allocator reach
// their size (Node 24 grows RSS for ~25,000 requests before it levels off).
const steady = samples.filter((s) => s.done > total * 0.3);
const base = steady[0]!;
const maxDrift = Math.max(...steady.map((s) => Math.abs(s.rssMb - base.rssMb) / base.rssMb));
// Handles come and go (a Sentry upload, a closing socket): compare the floors of the first
// and last quarters, so only what is kept and never released counts as growth.
const quarter = Math.max(1, Math.floor(steady.length / 4));
const floorOf = (part: Sample[]): number => Math.min(...part.map((s) => s.handles));
const handleGrowth = floorOf(steady.slice(-quarter)) - floorOf(steady.slice(0, quarter));
// Up to `concurrency` pooled keep-alive sockets may be open or closed at a sample; a leak
// (a socket or timer per call) would grow by thousands over the run.
const ok = maxDrift <= 0.1 && handleGrowth <= concurrency;
process.stdout.write(
  `soak: ${total} requests (${failures} failed calls by design) in ${seconds.toFixed(1)} s, ${Math.round(total / seconds)} req/s\n` +
    `RSS after warm-up ${base.rssMb.toFixed(1)} MB, max drift ${(maxDrift * 100).toFixed(1)}% (limit 10%); ` +
    `heap ${base.heapMb.toFixed(1)} → ${steady.at(-1)!.heapMb.toFixed(1)} MB; active handles ${base.handles} → ${steady.at(-1)!.handles}\n`,
);
process.stdout.write(`${JSON.stringify({ total, failures, seconds, maxDrift, handleGrowth, samples, ok })}\n`);
process.exit(ok ? 0 : 1);
