// How long `import 'faultline'` takes in fresh processes, next to an empty module for the
// floor. The heavy SDKs, undici and winston load later, on first use.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The entry package.json's exports point at: what `import 'faultline'` loads.
const entry = fileURLToPath(new URL('../pkg/index.js', import.meta.url));

function importMs(target: string, runs: number): number[] {
  const script = `const t = process.hrtime.bigint(); await import(${JSON.stringify(target)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const ms = Number(result.stdout.trim());
    if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`import of ${target} failed: ${result.stderr}`);
    times.push(ms);
  }
  return times;
}

/** Milliseconds of `import 'faultline'` and of an empty module, one fresh process each, alternated. */
export function importTimes(runs = 7): { faultline: number[]; empty: number[] } {
  const empty = join(tmpdir(), `faultline-empty-module-${process.pid}.mjs`);
  writeFileSync(empty, 'export {};\n');
  const times = { faultline: [] as number[], empty: [] as number[] };
  try {
    // Alternated, so a burst of load on the machine falls on both.
    for (let i = 0; i < runs; i++) {
      times.empty.push(...importMs(empty, 1));
      times.faultline.push(...importMs(entry, 1));
    }
  } finally {
    rmSync(empty, { force: true });
  }
  return times;
}
