import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fixtures/shutdownDrainChild.js', import.meta.url));

/** shutdown() drains the calls in flight, then flushes every signal their endings wrote. */
describe('shutdown() with calls in flight', () => {
  it('waits for the 10 calls, then flushes their 10 spans, metrics, 10 log lines and 10 Sentry events; a call made after it started is refused unsent', async () => {
    // The upstream lives here (in the child, Sentry would instrument it as a server). It
    // holds /slow/* until the child says shutdown() has started, then answers 503.
    const held: ServerResponse[] = [];
    let late = 0;
    let proc: ReturnType<typeof spawn> | undefined;
    const server = createServer((req, res) => {
      if (!req.url?.startsWith('/slow/')) {
        late++;
        res.end('{}');
        return;
      }
      held.push(res);
      if (held.length === 10) proc?.stdin?.write('in-flight\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      proc = spawn(process.execPath, [child, upstream], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      proc.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
      proc.stdout!.on('data', (chunk: Buffer) => {
        stdout += String(chunk);
        if (stdout.includes('"event":"shutdown-started"'))
          for (const res of held.splice(0)) res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      });
      const code = await new Promise<number | null>((resolve) => proc!.once('exit', resolve));
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /write after end/i);

      const started = lines.find((line) => line['event'] === 'shutdown-started');
      assert.deepEqual(started?.['late'], {
        name: 'CancelledError',
        kind: 'cancelled',
        code: 'SHUTTING_DOWN',
        attempts: 0,
        message: `GET ${upstream}/late failed: not sent: faultline is shutting down (shutdown() was called)`,
      });
      assert.equal(late, 0, 'the call made after shutdown() started was never sent');

      const done = lines.find((line) => line['event'] === 'done');
      assert.deepEqual(
        done?.['outcomes'],
        Array(10).fill('server'),
        'the calls in flight ended as the upstream answered',
      );
      assert.equal(done?.['spans'], 10, 'every span exported');
      assert.equal(done?.['durations'], 10, 'every duration exported');
      assert.equal(done?.['sentry'], 10, 'every Sentry event sent');
      const callLines = lines.filter(
        (line) =>
          line['faultline.upstream'] === 'draining' && line['level'] === 'error' && line['message'] !== undefined,
      );
      assert.equal(callLines.length, 10, 'every call line written');
      assert.equal(
        lines.filter((line) => line['event'] === undefined && JSON.stringify(line).includes('/late')).length,
        0,
        'the refused call is told to no signal',
      );
    } finally {
      for (const res of held) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
