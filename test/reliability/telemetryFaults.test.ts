import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type FaultServer, startFaultServer } from '../../src/testing/index.js';

const child = fileURLToPath(new URL('./fixtures/telemetryFaultChild.js', import.meta.url));

interface ScenarioResult {
  scenario: string;
  outcomes: string[];
  medianMs: number;
  shutdownMs: number;
  unhandled: string[];
}

let upstream: FaultServer;

async function run(scenario: string): Promise<ScenarioResult> {
  // The same sequence of answers for every scenario.
  upstream.cycle(
    '/mixed',
    { status: 200, body: '{"ok":1}' },
    { status: 503 },
    { status: 200, body: '{"ok":2}' },
    { status: 500 },
    { status: 404 },
  );
  const proc = spawn(process.execPath, [child, scenario, upstream.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  assert.equal(code, 0, `${scenario} exited with ${code}: ${err}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ScenarioResult;
}

const SCENARIOS = [
  'healthy',
  'sentry-down',
  'sentry-hang',
  'sentry-429',
  'sentry-rate-limits',
  'otlp-down',
  'otlp-hang',
  'winston-throws',
  'winston-stuck',
  'exporter-throws',
  'hooks-throw',
];

/** Far below any telemetry timeout: a request that waited on broken telemetry would add seconds. */
const NOT_WAITING_ON_TELEMETRY_MS = 25;

/** Figures measured, printed for the README's reliability section. */
const figures: string[] = [];

describe('telemetry faults never change a request’s outcome', () => {
  let baseline: ScenarioResult;
  before(async () => {
    upstream = await startFaultServer();
  });
  after(() => upstream.close());

  it('baseline: telemetry off', async () => {
    baseline = await run('off');
    assert.equal(baseline.outcomes.length, 1000);
    assert.deepEqual(
      [...new Set(baseline.outcomes)].sort(),
      ['200 {"ok":1}', '200 {"ok":2}', 'client 404 x1', 'server 500 x1'].sort(),
    );
  });

  for (const scenario of SCENARIOS) {
    it(scenario, async () => {
      const result = await run(scenario);
      assert.deepEqual(result.outcomes, baseline.outcomes, 'the same outcome for every call');
      assert.deepEqual(result.unhandled, []);
      const addedMs = result.medianMs - baseline.medianMs;
      figures.push(
        `${scenario}: median +${addedMs.toFixed(3)} ms per request, shutdown ${Math.round(result.shutdownMs)} ms`,
      );
      // A request that waited on broken telemetry would wait for its timeout (seconds) or
      // for ever; what a loaded machine adds to a median is well under this. The figure
      // itself is reported, not asserted: speed is the benchmark's business.
      assert.ok(addedMs <= NOT_WAITING_ON_TELEMETRY_MS, `${scenario} added ${addedMs.toFixed(3)} ms per request`);
      assert.ok(
        result.shutdownMs <= 1500,
        `${scenario}: shutdown() took ${Math.round(result.shutdownMs)} ms (bound 1000)`,
      );
    });
  }

  it('figures', () => {
    process.stdout.write(
      `# telemetry-fault figures (median latency added over telemetry off):\n${figures.map((f) => `#   ${f}`).join('\n')}\n`,
    );
    assert.equal(figures.length, SCENARIOS.length);
  });
});
