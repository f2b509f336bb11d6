import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type FaultServer as FlakyUpstream, startFaultServer as startFlakyUpstream } from '../../src/testing/index.js';
import { createClient, isRequestFailure, throttle } from '../../src/index.js';
import { deadlineSweep } from '../../src/transport/deadlineSweep.js';

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
    upstream.script('/stall', { fault: 'stall-mid-body' });
    upstream.script('/slow', { fault: 'trickle', intervalMs: 1_000, chunks: 10 });
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
      telemetry: { enabled: false },
      env: {},
      transport: { maxJsonBytes: 1024 * 1024 },
      timeout: { totalMs: 10_000 },
    });
    const error = await client.json('/endless').catch((e: unknown) => e);
    assert.ok(isRequestFailure(error));
    assert.equal(error.kind, 'invalid_response');
    assert.equal(error.code, 'BODY_TOO_LARGE');
    await client.close();
  });

  it('one sweep serves stalled attempts at once: each ends on time, in its phase, and nothing stays armed', async () => {
    const deadlineMs = 300;
    const client = createClient({
      name: 'stalls',
      baseUrl: upstream.url,
      telemetry: { enabled: false },
      env: {},
      timeout: { attemptMs: deadlineMs, totalMs: 10_000 },
      resilience: [throttle()],
    });
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    // Each call reports when its deadline started: at the call for the headers phase, at
    // the headers for the body (the server shares this process, and may answer late).
    type Run = (armed: (at: number) => void) => Promise<unknown>;
    const calls: [string, Run][] = [];
    for (let i = 0; i < 5; i++) {
      calls.push(['headers', (armed) => (armed(performance.now()), client.json('/hang'))]);
      calls.push(['body', (armed) => client.get('/stall').then((res) => (armed(performance.now()), res.text()))]);
      calls.push(['body', (armed) => client.get('/slow').then((res) => (armed(performance.now()), res.arrayBuffer()))]);
      calls.push(['headers', (armed) => (armed(performance.now()), client.get('/hang'))]);
    }
    const outcomes = await Promise.all(
      calls.map(async ([phase, run]) => {
        let startedAt = 0;
        const error = await run((at) => (startedAt = at)).then(
          () => undefined,
          (e: unknown) => e,
        );
        return { phase, error, elapsedMs: performance.now() - startedAt };
      }),
    );
    loopDelay.disable();
    const lagMs = loopDelay.max / 1e6;
    for (const { phase, error, elapsedMs } of outcomes) {
      assert.ok(isRequestFailure(error), String(error));
      assert.equal(`${error.kind}/${error.phase}`, `timeout/${phase}`);
      // 20 calls at once on a shared machine: the event loop's own delay is allowed.
      assert.ok(
        elapsedMs < deadlineMs + 50 + lagMs,
        `${phase}: ended after ${Math.round(elapsedMs)} ms (event loop held up to ${Math.round(lagMs)} ms)`,
      );
    }
    assert.equal(deadlineSweep.size, 0, 'every attempt and call deadline was disarmed');
    await client.close();
  });

  it('successful calls leave nothing armed on the sweep', async () => {
    const client = createClient({ name: 'ok', baseUrl: upstream.url, telemetry: { enabled: false }, env: {} });
    for (let i = 0; i < 20; i++) {
      await client.json('/ok');
      await (await client.get('/ok')).text();
      await client.post('/ok', { json: { i } }).then((res) => res.arrayBuffer());
    }
    assert.equal(deadlineSweep.size, 0);
    await client.close();
  });
});
