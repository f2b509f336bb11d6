// How long `import 'faultline'` takes in a fresh process (median of 7), next to an empty
// module for the floor. The heavy SDKs, undici and winston load later, on first use.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The entry package.json's exports point at: what `import 'faultline'` loads.
const entry = fileURLToPath(new URL('../pkg/index.js', import.meta.url));
const empty = join(tmpdir(), 'faultline-empty-module.mjs');
writeFileSync(empty, 'export {};\n');

function importMs(target: string): number {
  const script = `const t = process.hrtime.bigint(); await import(${JSON.stringify(target)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    runs.push(Number(result.stdout.trim()));
  }
  return runs.sort((a, b) => a - b)[3]!;
}

let floor: number;
try {
  floor = importMs(empty);
} finally {
  rmSync(empty, { force: true });
}
const faultline = importMs(entry);
process.stdout.write(
  `import 'faultline': ${faultline.toFixed(1)} ms (an empty module: ${floor.toFixed(1)} ms), median of 7 fresh processes\n`,
);
