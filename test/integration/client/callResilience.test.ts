// A call's own `resilience` list against a real loopback server (issue 24): it replaces the
// client's list for that call (it is not added to it), it is built for the client with the
// client's context, and once per array — the same array on every call costs a lookup, a
// new array each time is built each time, and the lists kept per client are bounded.
import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FaultServer } from '../../../src/testing/index.js';
import {
  circuitBreaker,
  CircuitOpenError,
  fallback,
  type Policy,
  retry,
  ServerError,
  TimeoutError,
} from '../../../src/index.js';
import { failureOf } from '../../helpers/failureOf.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

/** A policy that counts its builds (with the upstream each was built for) and the failures it is asked about. */
function recorder(name: string): { policy: Policy; builds: string[]; failures: () => number } {
  const builds: string[] = [];
  let failures = 0;
  const policy: Policy = {
    name,
    build: (context) => {
      builds.push(context.upstream);
      return {
        afterFailure: (_failed, verdict) => {
          failures++;
          return verdict;
        },
      };
    },
  };
  return { policy, builds, failures: () => failures };
}

describe("a call's own resilience list (issue 24)", () => {
  const upstream = useFlakyUpstream();
  let server: FaultServer;
  before(() => {
    server = upstream.server;
  });

  it("replaces the client's list for the call: nothing of the client's list runs, nothing is added to it", async () => {
    server.script('/replaced', 503);
    const client = recorder('clientRecorder');
    const c = upstream.client({ resilience: [retry({ maxAttempts: 3, baseDelayMs: 0 }), client.policy] });
    await failureOf(() => c.get('/replaced'));
    assert.equal(server.hits('/replaced'), 3, "the client's list: three attempts");
    assert.equal(client.failures(), 3);

    // An empty list: no retry at all for this call.
    assert.ok((await failureOf(() => c.get('/replaced', { resilience: [] }))) instanceof ServerError);
    assert.equal(server.hits('/replaced'), 4);

    // A list of its own: its retry, not the client's (2 attempts, not 3, not 3 × 2).
    const call = recorder('callRecorder');
    const error = await failureOf(() =>
      c.get('/replaced', { resilience: [retry({ maxAttempts: 2, baseDelayMs: 0 }), call.policy] }),
    );
    assert.equal(error.attempts, 2);
    assert.equal(server.hits('/replaced'), 6);
    assert.equal(call.failures(), 2);
    assert.equal(client.failures(), 3, "the client's policies were not asked about the call's failures");

    // A fallback alone: it answers after one attempt, the client's retry is not in the list.
    assert.equal(await c.json('/replaced', { resilience: [fallback({ value: 'stale' })] }), 'stale');
    assert.equal(server.hits('/replaced'), 7);
    // Without `resilience` the client's list is back.
    await failureOf(() => c.get('/replaced'));
    assert.equal(server.hits('/replaced'), 10);
  });

  it('replaces the default list too: [] on a call of a client without resilience sends once', async () => {
    server.script('/default-replaced', 503);
    const c = upstream.client();
    await failureOf(() => c.get('/default-replaced'));
    assert.equal(server.hits('/default-replaced'), 3, 'the default list retries (3 attempts)');
    await failureOf(() => c.get('/default-replaced', { resilience: [] }));
    assert.equal(server.hits('/default-replaced'), 4);
  });

  it("is built for the client, with the client's context: a breaker in a call's list keys the client's upstream", async () => {
    server.script('/call-breaker', 503);
    const BREAKER = circuitBreaker({ failureThreshold: 1, breakDurationMs: 60_000 });
    const CALL_POLICIES = [BREAKER];
    const c = upstream.client({ name: 'catalog' });
    await failureOf(() => c.get('/call-breaker', { resilience: CALL_POLICIES }));
    assert.equal(BREAKER.stateOf('catalog'), 'open');
    const refused = await failureOf(() => c.get('/call-breaker', { resilience: CALL_POLICIES }));
    assert.ok(refused instanceof CircuitOpenError);
    assert.equal(server.hits('/call-breaker'), 1, 'the open circuit sent nothing');
    // The client's own list has no breaker: its calls still go.
    server.script('/call-breaker', 200);
    assert.equal((await c.get('/call-breaker', { resilience: [] })).status, 200);
  });

  it('is built once per array: the same array on every call builds its policies once, per client', async () => {
    server.script('/built', 503);
    const counted = recorder('counted');
    const CALL_POLICIES: readonly Policy[] = [counted.policy];
    const own = recorder('own');
    const a = upstream.client({ name: 'a', resilience: [own.policy] });
    assert.deepEqual(own.builds, ['a'], "the client's own list is built when the client is made");
    for (let i = 0; i < 3; i++) await failureOf(() => a.get('/built', { resilience: CALL_POLICIES }));
    assert.deepEqual(counted.builds, ['a'], 'three calls, one build');
    assert.equal(counted.failures(), 3, 'the one build served every call');
    await failureOf(() => a.get('/built'));
    assert.deepEqual(own.builds, ['a'], "the client's list is not built per call either");

    // Another client building the same array builds it for itself.
    const b = upstream.client({ name: 'b' });
    await failureOf(() => b.get('/built', { resilience: CALL_POLICIES }));
    await failureOf(() => b.get('/built', { resilience: CALL_POLICIES }));
    assert.deepEqual(counted.builds, ['a', 'b']);

    // A new array each time (the same policy inside) is a new list: built each time.
    for (let i = 0; i < 2; i++) await failureOf(() => a.get('/built', { resilience: [counted.policy] }));
    assert.deepEqual(counted.builds, ['a', 'b', 'a', 'a']);
  });

  it('keeps a bounded number of lists per client: a list pushed out by many others is built again', async () => {
    server.script('/many', 200);
    const kept = recorder('kept');
    const KEPT: readonly Policy[] = [kept.policy];
    const other = recorder('other');
    const c = upstream.client({ resilience: [] });
    await c.get('/many', { resilience: KEPT });
    await c.get('/many', { resilience: KEPT });
    assert.equal(kept.builds.length, 1);
    // A caller writing `resilience: [policy]` inline makes a new array per call.
    for (let i = 0; i < 100; i++) await c.get('/many', { resilience: [other.policy] });
    assert.equal(other.builds.length, 100);
    await c.get('/many', { resilience: KEPT });
    assert.equal(kept.builds.length, 2, 'forgotten among 100 newer lists, and built again');
  });

  it("a call's timeout group merges field by field: totalMs given, the client's attemptMs stays", async () => {
    server.script('/merge-hang', 'hang');
    const c = upstream.client({ timeout: { attemptMs: 50, totalMs: 0 }, resilience: [] });
    const error = await failureOf(() => c.get('/merge-hang', { timeout: { totalMs: 10_000 } }));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.phase, 'headers', "the client's attempt deadline, not the call's total");
    assert.equal(error.attempts, 1);
  });
});
