import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptiveConcurrency, ConfigError } from '../../../src/index.js';
import {
  type AdaptiveConcurrencyOptions,
  settleConcurrency,
} from '../../../src/policies/adaptiveConcurrency/AdaptiveConcurrencyOptions.js';
import { GradientLimit } from '../../../src/policies/adaptiveConcurrency/gradientLimit.js';

/**
 * A controller on synthetic time: `run` feeds it windows of RTTs as a pipeline would — one
 * admission tick and `perWindow` samples per window, `inFlight` attempts in flight.
 */
function controller(options: AdaptiveConcurrencyOptions = {}) {
  const limit = new GradientLimit(settleConcurrency({ sampleWindowMs: 100, minRttSamples: 10, ...options }), () => 0.5);
  let now = 0;
  const feed = (rttMs: number, inFlight: number): void => {
    limit.tick(now, inFlight);
    limit.sample(rttMs, now, limit.probing ? limit.probe : 0, inFlight);
  };
  return {
    limit,
    get now() {
      return now;
    },
    /** The first probe: `minRttSamples` samples at `rttMs`, then minRTT is known. */
    probe(rttMs: number): void {
      limit.tick(now, 1);
      while (limit.probing) feed(rttMs, limit.limit);
    },
    /** `windows` windows of `perWindow` samples each, RTT from `rtt(window)`, in flight from `inFlight(limit)`. */
    run(
      windows: number,
      rtt: (window: number) => number,
      inFlight: (limit: number) => number,
      perWindow = 10,
    ): number[] {
      const seen: number[] = [];
      for (let w = 0; w < windows; w++) {
        for (let i = 0; i < perWindow; i++) {
          now += 100 / perWindow;
          feed(rtt(w), inFlight(limit.limit));
        }
        seen.push(limit.limit);
      }
      return seen;
    },
  };
}

describe('adaptiveConcurrency: the gradient controller', () => {
  it('measures minRTT first, in a probe at minLimit, then goes back to the limit it had', () => {
    const c = controller({ initialLimit: 20, minLimit: 3 });
    c.limit.tick(0, 0);
    assert.equal(c.limit.probing, true);
    assert.equal(c.limit.limit, 3);
    assert.ok(Number.isNaN(c.limit.minRttMs));
    c.probe(50);
    assert.equal(c.limit.probing, false);
    assert.equal(c.limit.minRttMs, 50);
    assert.equal(c.limit.limit, 20);
  });

  it('only the probe’s own attempts measure minRTT (one admitted before it says nothing)', () => {
    const c = controller({ minRttSamples: 2 });
    c.limit.tick(0, 0);
    c.limit.sample(900, 1, 0, 1);
    c.limit.sample(900, 2, c.limit.probe - 1, 1);
    assert.equal(c.limit.probing, true);
    c.limit.sample(40, 3, c.limit.probe, 1);
    c.limit.sample(60, 4, c.limit.probe, 1);
    assert.equal(c.limit.probing, false);
    assert.equal(c.limit.minRttMs, 40);
  });

  it('converges near what an upstream of capacity C sustains, when latency rises with the queue beyond C', () => {
    const c = controller({ initialLimit: 10, maxLimit: 1000 });
    c.probe(50);
    const C = 20;
    // The upstream serves C at once at 50 ms; beyond C, Little's law: RTT = limit × 50 / C.
    const seen = c.run(
      300,
      () => (Math.max(C, c.limit.limit) * 50) / C,
      (limit) => limit,
    );
    const settled = seen.slice(-50);
    for (const limit of settled) assert.ok(limit >= C && limit <= 2 * C, `limit ${limit} outside ${C}…${2 * C}`);
    assert.ok(Math.max(...settled) - Math.min(...settled) <= 2, `the limit still swings: ${settled.join(',')}`);
  });

  it('backs off when latency rises, and by at most half a window at a time', () => {
    const c = controller({ initialLimit: 40, smoothing: 1 });
    c.probe(50);
    const seen = c.run(
      10,
      () => 400,
      (limit) => limit,
    );
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! <= seen[i - 1]!, `rose at ${i}: ${seen.join(',')}`);
    assert.ok(seen[0]! >= 20 * 0.9, `fell below half at once: ${seen[0]}`);
    assert.equal(seen.at(-1), 3);
  });

  it('does not grow past twice what the traffic uses while latency is fine, and comes back to it', () => {
    const c = controller({ initialLimit: 100, maxLimit: 1000 });
    c.probe(50);
    const seen = c.run(
      200,
      () => 50,
      () => 10,
    );
    assert.ok(Math.abs(seen.at(-1)! - 20) <= 1, `limit ${seen.at(-1)} is not near 2 × 10`);
  });

  it('stays within minLimit…maxLimit whatever the RTTs', () => {
    const c = controller({ initialLimit: 5, minLimit: 4, maxLimit: 30, smoothing: 1 });
    c.probe(50);
    const low = c.run(
      50,
      () => 1,
      (limit) => limit,
    );
    assert.equal(Math.max(...low), 30);
    const high = c.run(
      50,
      () => 10_000,
      (limit) => limit,
    );
    assert.equal(Math.min(...high), 4);
    for (const limit of [...low, ...high]) assert.ok(limit >= 4 && limit <= 30);
  });

  it('probes again after minRttIntervalMs (jittered), and learns a new minRTT', () => {
    const c = controller({ minRttIntervalMs: 10_000 });
    c.probe(50);
    c.run(
      95,
      () => 50,
      (limit) => limit,
    );
    assert.equal(c.limit.probing, false, 'probed before the interval');
    // random() = 0.5: no jitter; the probe starts at the first admission after 10 s.
    while (!c.limit.probing)
      c.run(
        1,
        () => 50,
        (limit) => limit,
        1,
      );
    assert.ok(c.now >= 10_000 && c.now <= 10_100, `probed at ${c.now} ms`);
    assert.equal(c.limit.limit, 3);
    c.probe(80);
    assert.equal(c.limit.minRttMs, 80);
    assert.equal(c.limit.probe, 2);
  });
});

describe('adaptiveConcurrency: options', () => {
  const refused = (options: unknown, option: string) =>
    assert.throws(
      () => adaptiveConcurrency(options as AdaptiveConcurrencyOptions),
      (error: unknown) => error instanceof ConfigError && error.message.includes(`adaptiveConcurrency.${option}`),
    );

  it('names the option it refuses', () => {
    refused({ initialLimit: 0 }, 'initialLimit');
    refused({ minLimit: 1.5 }, 'minLimit');
    refused({ maxLimit: '10' }, 'maxLimit');
    refused({ minLimit: 10, maxLimit: 5, initialLimit: 7 }, 'minLimit');
    refused({ initialLimit: 2000 }, 'initialLimit');
    refused({ perRoute: 'yes' }, 'perRoute');
    refused({ sampleWindowMs: 0 }, 'sampleWindowMs');
    refused({ percentile: 0 }, 'percentile');
    refused({ rttTolerance: 2 }, 'rttTolerance');
    refused({ smoothing: -1 }, 'smoothing');
    refused({ minRttIntervalMs: Number.NaN }, 'minRttIntervalMs');
    refused({ minRttSamples: 0 }, 'minRttSamples');
    refused({ queue: { size: -1 } }, 'queue.size');
    refused({ queue: { maxWaitMs: 0 } }, 'queue.maxWaitMs');
    refused({ queue: 5 }, 'queue');
  });

  it('describes itself for faultline check', () => {
    assert.equal(
      adaptiveConcurrency({ perRoute: true }).describe?.(),
      'adaptiveConcurrency(limit=3..1000, initial=20, queue=50, maxWaitMs=1000, perRoute)',
    );
  });
});
