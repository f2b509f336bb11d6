import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HELD_BACK, LogSampler, type LogSamplingRule } from '../../../src/signals/logs/logSampler.js';
import type { CallInfo } from '../../../src/types/observers.js';
import { fakeClock } from '../../helpers/fakeClock.js';

function callOf(route: string, upstream = 'payments', method = 'GET'): CallInfo {
  return {
    upstream,
    method,
    requestMethod: method,
    url: `https://payments.internal${route}`,
    serverAddress: 'payments.internal',
    serverPort: 443,
    route,
    startedAt: 0,
  };
}

/** A sampler on a fake clock whose held-back lines are counted by upstream and kind. */
function samplerOf(rule: LogSamplingRule) {
  const clock = fakeClock(Date.parse('2026-11-22T00:00:00.000Z'));
  const counted = new Map<string, number>();
  const lookups: string[] = [];
  const sampler = new LogSampler(rule, clock.now, (call, kind) => {
    const key = `${call.upstream} ${kind}`;
    lookups.push(key);
    return { add: () => counted.set(key, (counted.get(key) ?? 0) + 1) };
  });
  return { sampler, clock, counted, lookups };
}

/** Admits `n` lines; the 1-based numbers of those written, and what each carried. */
function storm(sampler: LogSampler, call: CallInfo, kind: string, n: number) {
  const written: number[] = [];
  const carried: number[] = [];
  for (let i = 1; i <= n; i++) {
    const heldBack = sampler.admit(call, kind);
    if (heldBack === HELD_BACK) continue;
    written.push(i);
    carried.push(heldBack);
  }
  return { written, carried };
}

const range = (from: number, to: number, step = 1): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('LogSampler: zap-style sampling per fingerprint and second', () => {
  it('a storm of 10,000 in one second: the first 100, then one in 100; each written line says how many it follows', () => {
    const { sampler, counted } = samplerOf({ initial: 100, thereafter: 100 });
    const { written, carried } = storm(sampler, callOf('/v1/charges/{id}'), 'server', 10_000);
    assert.deepEqual(written, [...range(1, 100), ...range(200, 10_000, 100)]);
    assert.equal(written.length, 199);
    assert.deepEqual(carried, [...Array<number>(100).fill(0), ...Array<number>(99).fill(99)]);
    assert.equal(counted.get('payments server'), 10_000 - 199);
  });

  it('what is held back at the end of a second is carried by the next line written, in a later second', () => {
    const { sampler, clock, counted } = samplerOf({ initial: 3, thereafter: 5 });
    const call = callOf('/v1/charges/{id}');
    // 3 written, then #8 and #13 (each after 4 held back), then #14 and #15 held back.
    assert.deepEqual(storm(sampler, call, 'timeout', 15), { written: [1, 2, 3, 8, 13], carried: [0, 0, 0, 4, 4] });
    clock.advance(999); // still the same second of the clock
    assert.equal(sampler.admit(call, 'timeout'), HELD_BACK);
    clock.advance(1); // the next second: a fresh budget
    assert.deepEqual(storm(sampler, call, 'timeout', 4), { written: [1, 2, 3], carried: [3, 0, 0] });
    assert.equal(counted.get('payments timeout'), 4 + 4 + 3 + 1);
  });

  it('fingerprints are sampled independently: upstream, method, route and kind each make their own', () => {
    const { sampler, counted } = samplerOf({ initial: 2, thereafter: 3 });
    const calls: [CallInfo, string][] = [
      [callOf('/a'), 'server'],
      [callOf('/b'), 'server'],
      [callOf('/a'), 'timeout'],
      [callOf('/a', 'payments', 'POST'), 'server'],
      [callOf('/a', 'ledger'), 'server'],
    ];
    const written = calls.map(() => [] as number[]);
    for (let i = 1; i <= 8; i++)
      calls.forEach(([call, kind], which) => {
        if (sampler.admit(call, kind) !== HELD_BACK) written[which]?.push(i);
      });
    for (const lines of written) assert.deepEqual(lines, [1, 2, 5, 8]);
    assert.deepEqual(Object.fromEntries(counted), {
      'payments server': 12,
      'payments timeout': 4,
      'ledger server': 4,
    });
  });

  it('THEREAFTER 0 writes none after the initial lines until the next second', () => {
    const { sampler, clock } = samplerOf({ initial: 2, thereafter: 0 });
    const call = callOf('/a');
    assert.deepEqual(storm(sampler, call, 'network', 50).written, [1, 2]);
    clock.advance(1000);
    assert.deepEqual(storm(sampler, call, 'network', 3), { written: [1, 2], carried: [48, 0] });
  });

  it('looks the counter up once per fingerprint, when it first holds a line back', () => {
    const { sampler, lookups } = samplerOf({ initial: 1, thereafter: 1000 });
    storm(sampler, callOf('/a'), 'server', 500);
    storm(sampler, callOf('/b'), 'server', 1);
    assert.deepEqual(lookups, ['payments server']);
  });

  it('bounded: past seconds are forgotten when room is needed; new fingerprints beyond the bound share one budget', () => {
    const { sampler, clock } = samplerOf({ initial: 1, thereafter: 0 });
    // 1,000 fingerprints busy in this second fill the map.
    for (let i = 0; i < 1000; i++) assert.equal(sampler.admit(callOf(`/items/${i}`), 'server'), 0);
    // Two more new ones in the same second share one window: only the first line is written.
    assert.equal(sampler.admit(callOf('/extra/1'), 'server'), 0);
    assert.equal(sampler.admit(callOf('/extra/2'), 'server'), HELD_BACK);
    assert.equal(sampler.admit(callOf('/extra/3'), 'server'), HELD_BACK);
    // The fingerprints already known keep their own windows.
    assert.equal(sampler.admit(callOf('/items/7'), 'server'), HELD_BACK);
    // A second later the old windows make room: a new fingerprint has its own budget again.
    clock.advance(1000);
    assert.equal(sampler.admit(callOf('/extra/2'), 'server'), 0);
    assert.equal(sampler.admit(callOf('/extra/3'), 'server'), 0);
    // /items/7 was forgotten with its held-back line: a fresh window, nothing carried.
    assert.equal(sampler.admit(callOf('/items/7'), 'server'), 0);
  });
});
