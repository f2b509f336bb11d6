import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type FaultServer,
  type SentryEvent,
  type SentrySink,
  startFaultServer,
  startSentrySink,
} from '../../../src/testing/index.js';

const child = fileURLToPath(new URL('./fixtures/sentryIsolationChild.js', import.meta.url));

function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, ...args], {
      // No OTLP collector here: the app's NodeSDK would export its logs and metrics to one,
      // and each shutdown would wait out the export timeout (16 s a child, for nothing).
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_NO_WARNINGS: '1',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 30_000,
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    proc.on('error', reject);
    proc.on('close', (status) => resolve({ status, stderr }));
  });
}

const isFaultline = (event: SentryEvent) => event.tags?.['faultline.upstream'] === 'isolation';
const isApps = (event: SentryEvent) => /the app’s own error/.test(event.exception?.values[0]?.value ?? '');

// The set-up that bled: the NodeSDK's context manager, not Sentry's, so `withScope` forks
// nothing and what faultline set on the scope stayed there for the app's next event.
describe("faultline's tags, fingerprint and context stay on faultline's events, in every init order", () => {
  let upstream: FaultServer;
  let sink: SentrySink;
  before(async () => {
    upstream = await startFaultServer();
    upstream.script('/isolation/1', { status: 503 });
    sink = await startSentrySink();
  });
  after(async () => {
    await sink.close();
    await upstream.close();
  });

  for (const order of [
    'sdk,sentry,faultline',
    'sdk,faultline,sentry',
    'sentry,sdk,faultline',
    'sentry,faultline,sdk',
    'faultline,sdk,sentry',
    'faultline,sentry,sdk',
  ]) {
    it(`${order}: one faultline event, tagged; the app's two errors carry nothing of it`, async () => {
      sink.reset();
      const result = await run([order, sink.dsn, upstream.url]);
      assert.equal(result.status, 0, result.stderr);
      const events = sink.events();
      const ours = events.filter(isFaultline);
      assert.equal(ours.length, 1, 'one event for the failed call');
      assert.deepEqual(ours[0]?.fingerprint, ['faultline', 'isolation', 'GET', '/isolation/{id}', 'server']);
      assert.equal(ours[0]?.tags?.['faultline.failure.kind'], 'server');
      assert.ok(ours[0]?.contexts?.['faultline'], "faultline's context");
      const apps = events.filter(isApps);
      assert.equal(apps.length, 2, "the app's own two errors arrived");
      for (const event of apps) {
        const leaked = Object.keys(event.tags ?? {}).filter(
          (key) => key.startsWith('faultline.') || key === 'http.status_code',
        );
        assert.deepEqual(leaked, [], `no faultline tag on "${event.exception?.values[0]?.value}"`);
        assert.equal(event.fingerprint, undefined, 'no fingerprint');
        assert.equal(event.contexts?.['faultline'], undefined, 'no faultline context');
        assert.notEqual(event.level, 'warning');
      }
      assert.doesNotMatch(result.stderr, /called more than once/, 'no Sentry warning about a second init');
    });
  }
});
