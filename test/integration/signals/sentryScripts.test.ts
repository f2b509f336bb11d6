import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';

const scripts = {
  esm: fileURLToPath(new URL('../../../../test/integration/signals/fixtures/sentryScript.mjs', import.meta.url)),
  cjs: fileURLToPath(new URL('../../../../test/integration/cjs/sentryConsumer.cjs', import.meta.url)),
};

/** Runs a user's script in a fresh process (Sentry is process-wide); resolves with its output. */
function run(script: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env['PATH'] ?? '', NODE_NO_WARNINGS: '1', FAULTLINE_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe("a user's script with its own Sentry (default integrations): every failed call is an event", () => {
  let upstream: FlakyUpstream;
  let sink: SentrySink;

  before(async () => {
    upstream = await startFlakyUpstream();
    sink = await startSentrySink();
    upstream.script('/inventory/42', { status: 503 });
    upstream.script('/inventory/43', { status: 503 });
  });
  after(async () => {
    await sink.close();
    await upstream.close();
  });

  for (const [system, name] of [
    ['esm', 'esm-script'],
    ['cjs', 'cjs-script'],
  ] as const) {
    it(`${system}: Sentry.init, createClient, three failures at once and three in a row → six events`, async () => {
      const result = await run(scripts[system], [sink.dsn, upstream.url]);
      assert.equal(result.status, 0, result.stderr);
      const events = sink.events().filter((event) => event.tags?.['faultline.upstream'] === name);
      assert.equal(events.length, 6, 'one event per failed call');
      for (const event of events) {
        assert.deepEqual(event.fingerprint, ['faultline', name, 'GET', '/inventory/{id}', 'server']);
        assert.equal(event.tags?.['faultline.failure.kind'], 'server');
        assert.equal(event.tags?.['http.status_code'], '503');
      }
      // The script's own log lines name the events they told of.
      const lines = result.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['faultline.upstream'] === name);
      assert.equal(lines.length, 6);
      assert.deepEqual(
        lines.map((line) => line['sentry.event_id']).sort(),
        events.map((event) => event.event_id).sort(),
      );
      for (const line of lines)
        assert.equal(line['trace_id'], events[0]?.contexts?.['trace']?.['trace_id'], 'joined on the trace id');
    });
  }
});
