import type { Contender } from './contenders.js';

/** Sends `count` requests, `concurrency` at a time; returns CPU µs/request and req/s. */
export async function measure(
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
