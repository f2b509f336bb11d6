import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type FaultServer as FlakyUpstream, startFaultServer as startFlakyUpstream } from '../../src/testing/index.js';
import { createClient, isRequestFailure } from '../../src/index.js';

const child = fileURLToPath(new URL('./fixtures/deadlinesChild.js', import.meta.url));
// How far past its deadline a call may end: timers, the event loop, a loaded machine.
const BOUND_MS = 1_000;

describe('deadlines hold against upstreams that hang, trickle or never end', () => {
  let upstream: FlakyUpstream;
  before(async () => {
    upstream = await startFlakyUpstream();
    upstream.script('/hang', { fault: 'hang' });
    upstream.script('/trickle', { fault: 'trickle', intervalMs: 20, chunks: 1_000_000 });
    upstream.script('/endless', { fault: 'endless' });
    upstream.script('/endless-small-limit', { fault: 'endless' });
  });
  after(() => upstream.close());

  it('every call ends by its total deadline, and the process then exits by itself', async (t) => {
    const timeoutMs = 400;
    const started = Date.now();
    const proc = spawn(process.execPath, [child, upstream.url, String(timeoutMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    assert.equal(code, 0);
    const results = JSON.parse(out) as { name: string; outcome: string; elapsedMs: number }[];
    t.diagnostic(
      `deadline ${timeoutMs} ms: ${results.map((r) => `${r.name} ${Math.round(r.elapsedMs)} ms`).join(', ')}`,
    );
    for (const result of results) {
      // An endless body read by json() may first hit the size limit: bounded either way.
      const expected =
        result.name === 'endless json()' ? /^(timeout\/total|invalid_response\/BODY_TOO_LARGE)$/ : /^timeout\/total$/;
      assert.match(result.outcome, expected, `${result.name}: ${result.outcome}`);
      assert.ok(result.elapsedMs < timeoutMs + BOUND_MS, `${result.name} took ${Math.round(result.elapsedMs)} ms`);
    }
    // Keep-alive sockets and timers must not hold the process: it exited on its own.
    assert.ok(Date.now() - started < 15_000, 'the child exited without being told to');
  });

  it('json() refuses a body larger than maxJsonBytes instead of reading it all', async () => {
    const client = createClient({
      name: 'big',
      baseUrl: upstream.url,
      signals: false,
      env: {},
      maxJsonBytes: 1024 * 1024,
      timeoutMs: 10_000,
    });
    const error = await client.json('/endless').catch((e: unknown) => e);
    assert.ok(isRequestFailure(error));
    assert.equal(error.kind, 'invalid_response');
    assert.equal(error.code, 'BODY_TOO_LARGE');
    await client.close();
  });
});
