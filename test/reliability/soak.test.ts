import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const soak = fileURLToPath(new URL('../../bench/soak.js', import.meta.url));

describe('soak (CI size: 100,000 requests; `npm run soak` runs 1,000,000)', () => {
  it('RSS stays within ±10% after warm-up and handles do not grow, every signal on', async () => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', soak, '--requests', process.env['FAULTLINE_SOAK_REQUESTS'] ?? '100000'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    const lines = out.trim().split('\n');
    process.stdout.write(
      lines
        .slice(0, -1)
        .map((line) => `# ${line}\n`)
        .join(''),
    );
    const result = JSON.parse(lines.at(-1) ?? '{}') as {
      maxDrift: number;
      handleGrowth: number;
      failures: number;
      total: number;
    };
    assert.equal(result.failures, result.total / 10, 'the designed failures happened');
    assert.ok(result.maxDrift <= 0.1, `RSS drifted ${(result.maxDrift * 100).toFixed(1)}%`);
    // Pooled keep-alive sockets (at most the soak's concurrency, 16) come and go; a leak
    // of a socket or timer per call would grow by thousands.
    assert.ok(result.handleGrowth <= 16, `handles grew by ${result.handleGrowth}`);
    assert.equal(code, 0);
  });
});
