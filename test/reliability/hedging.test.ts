import '../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FaultServer, fakeClock, startFaultServer } from '../../src/testing/index.js';
import { type Client, createClient, hedge, retry, retryBudget, throttle } from '../../src/index.js';

/** The nearest-rank percentile of `values`. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Sends `calls` calls one after the other; their latencies in ms. */
async function latencies(client: Client, path: string, calls: number): Promise<number[]> {
  const measured: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await client.json(path);
    measured.push(performance.now() - started);
  }
  return measured;
}

describe('hedging: a shorter tail for a small, bounded extra load', () => {
  let upstream: FaultServer;
  before(async () => {
    upstream = await startFaultServer();
  });
  after(() => upstream.close());

  it('against an upstream where 5% of requests are 10× slower, hedging cuts p99 for a few % extra requests', async (t) => {
    // One request in 20 takes 50 ms, the others 5 ms: round and round, so both runs see the same mix.
    const fast = { status: 200, json: { ok: true }, delayMs: 5 };
    const slow = { status: 200, json: { ok: true }, delayMs: 50 };
    const mix = [...Array.from({ length: 19 }, () => fast), slow];
    const calls = 300;
    const floor = 1 * 10; // minRetriesPerSecond × the 10 s window
    const options = {
      name: 'tail',
      baseUrl: upstream.url,
      env: {},
      telemetry: { enabled: false },
    } as const;
    // One budget for both clients, as one policy object is: the hedges spend from it.
    const policies = [retry(), retryBudget({ ratio: 0.1, minRetriesPerSecond: 1 }), throttle()];

    upstream.cycle('/plain', ...mix);
    const plainClient = createClient({ ...options, resilience: policies });
    const plain = await latencies(plainClient, '/plain', calls);
    await plainClient.close();

    upstream.cycle('/hedged', ...mix);
    // The upstream's p90 (about 5 ms), but never under 15 ms: only the slow ones are hedged.
    const hedgedClient = createClient({
      ...options,
      resilience: [...policies, hedge({ delayMs: { percentile: 90, min: 15, initialMs: 15 } })],
    });
    const hedged = await latencies(hedgedClient, '/hedged', calls);
    await hedgedClient.close();

    const extra = upstream.hits('/hedged') - calls;
    const before = percentile(plain, 99);
    const afterHedging = percentile(hedged, 99);
    t.diagnostic(
      `hedging, ${calls} calls, 5% at 50 ms and 95% at 5 ms: p50 ${percentile(plain, 50).toFixed(1)} → ${percentile(hedged, 50).toFixed(1)} ms, ` +
        `p99 ${before.toFixed(1)} → ${afterHedging.toFixed(1)} ms, extra requests ${extra} (${((extra / calls) * 100).toFixed(1)}%)`,
    );
    assert.equal(upstream.hits('/plain'), calls, 'without hedging, one request per call');
    assert.ok(afterHedging < before, `p99 ${afterHedging} ms with hedging is not below ${before} ms without`);
    assert.ok(extra > 0, 'some calls were hedged');
    assert.ok(extra <= calls * 0.1 + floor, `extra requests ${extra} > 10% of ${calls} + ${floor}`);
  });

  it('against a 100%-failing upstream, hedges and retries together stay within the budget', async (t) => {
    // Slow failures, and a clock whose waits end at once: every attempt asks to be hedged.
    upstream.script('/down', { status: 503, delayMs: 20 });
    const calls = 200;
    const floor = 1 * 10;
    const client = createClient({
      name: 'down',
      baseUrl: upstream.url,
      env: {},
      telemetry: { enabled: false },
      clock: fakeClock(),
      resilience: [
        retry({ maxAttempts: 4 }),
        retryBudget({ ratio: 0.1, minRetriesPerSecond: 1 }),
        throttle(),
        hedge({ delayMs: 5, maxHedges: 2 }),
      ],
    });
    for (let wave = 0; wave < calls / 50; wave++)
      await Promise.all(Array.from({ length: 50 }, () => client.get('/down').catch(() => undefined)));
    await client.close();
    const requests = upstream.hits('/down');
    const extra = requests - calls;
    t.diagnostic(
      `hedging into a 100% 503 upstream: ${calls} calls made ${requests} requests (${extra} hedges and retries; ` +
        `limit ${calls * 0.1 + floor}; unbounded it would be up to ${calls * 4 * 3})`,
    );
    assert.ok(extra > 0, 'the floor let some through');
    assert.ok(extra <= calls * 0.1 + floor, `extra requests ${extra} > 10% of ${calls} + ${floor}`);
  });
});
