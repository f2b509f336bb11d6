import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OverloadResult, type OverloadSetup, runOverload } from '../../fixtures/overloadSim.js';

// The overload simulation at a small scale (examples/overload-sim.ts has the figures): an
// upstream of capacity 4 at 50 ms in its own process, an open-loop load at 2 × its capacity
// for 3 s, then half its capacity for 2 s. The assertions are structural — who was sent,
// who was shed, who timed out — never a latency, which this shared machine cannot promise.
const setup = (limiting: OverloadSetup['limiting']): OverloadSetup => ({
  capacity: 4,
  latencyMs: 50,
  limiting,
  timeoutMs: 500,
  queue: { size: 8, maxWaitMs: 50 },
  phases: [
    { name: 'overload', load: 2, durationMs: 3000 },
    { name: 'after', load: 0.5, durationMs: 2000 },
  ],
});

const total = (result: OverloadResult, field: 'sent' | 'loadShed' | 'timedOut' | 'ok'): number =>
  result.phases.reduce((sum, phase) => sum + phase[field], 0);

describe('adaptive concurrency under overload (real sockets, upstream in another process)', () => {
  it('without a limit most overloaded calls time out; with one, the excess is shed unsent and the rest served', async () => {
    const none = await runOverload(setup('none'));
    const adaptive = await runOverload(setup('adaptive'));
    const [noneOverload] = none.phases;
    const [overload, after] = adaptive.phases;
    assert.ok(noneOverload && overload && after);

    // No limit: the upstream's queue grows for 3 s; a call waits longer than its 500 ms.
    assert.ok(noneOverload.timedOut > noneOverload.sent / 2, `none: ${JSON.stringify(noneOverload)}`);
    assert.equal(total(none, 'loadShed'), 0);

    // Adaptive: every call was either sent or shed — a shed call never reached the upstream.
    assert.equal(adaptive.upstream.requests, total(adaptive, 'sent') - total(adaptive, 'loadShed'));
    assert.ok(overload.loadShed > 0, 'the excess is shed');
    assert.ok(
      overload.timedOut * 4 < noneOverload.timedOut,
      `timeouts: ${overload.timedOut} with the limit, ${noneOverload.timedOut} without`,
    );
    assert.ok(overload.ok > noneOverload.ok, `served: ${overload.ok} with the limit, ${noneOverload.ok} without`);
    // Back under capacity, nothing is shed once the limit has recovered (the last second).
    const limits = adaptive.limits.map(([, limit]) => limit);
    assert.ok(
      limits.every((limit) => limit >= 3 && limit <= 200),
      `limits ${limits.join(',')}`,
    );
    assert.ok(after.ok > 0);
  });
});
