// Adaptive concurrency on a simulated upstream, measured. The upstream (a process of its
// own, real sockets) serves at most C = 20 requests at a time at L = 50 ms and queues the
// rest; an open-loop generator sends 1.5 × C / L calls per second (600/s) for 8 s:
//
// - none:     no limit — the upstream's queue grows, latency with it, calls time out (1 s);
// - static:   adaptiveConcurrency with minLimit = maxLimit = C (someone measured C);
// - adaptive: adaptiveConcurrency learning the limit; this run first warms up at 0.5 × C
//   for 5 s and ends with 10 s back at 0.5 × C, to see the limit come back.
//
// Targets (issue 26): adaptive p99 ≤ 3 × L, goodput ≥ 85% of C / L, and after the overload
// the limit within 10% of its pre-overload value within 10 s.
//
// Run: npm run build && node dist/examples/overload-sim.js   (about 45 s)
import { type OverloadResult, type OverloadSetup, type Phase, runOverload } from '../fixtures/overloadSim.js';
import { renderTable } from './support/textTable.js';

const C = 10;
const L = 100;
const common = { capacity: C, latencyMs: L, timeoutMs: 1000, queue: { size: 2 * C, maxWaitMs: L / 2 } };
const overload: Phase = { name: 'overload', load: 1.5, durationMs: 8000 };

const runs: Array<[string, OverloadSetup]> = [
  ['none', { ...common, limiting: 'none', phases: [overload] }],
  ['static', { ...common, limiting: 'static', phases: [overload] }],
  [
    'adaptive',
    {
      ...common,
      limiting: 'adaptive',
      phases: [
        { name: 'before', load: 0.5, durationMs: 5000 },
        overload,
        { name: 'after', load: 0.5, durationMs: 10_000 },
      ],
    },
  ],
];

const results: Array<[string, OverloadResult]> = [];
for (const [name, setup] of runs) {
  results.push([name, await runOverload(setup)]);
  if (process.argv.includes('--trace')) console.error(name, JSON.stringify(results.at(-1)?.[1].limits));
}

const ms = (n: number): string => (Number.isNaN(n) ? '—' : `${Math.round(n)} ms`);
const rows = results.map(([name, result]) => {
  const p = result.phases.find((phase) => phase.name === 'overload')!;
  return [
    name,
    String(p.sent),
    `${Math.round(p.goodput * 100)}%`,
    ms(p.p50),
    `${ms(p.p99)} (${(p.p99 / L).toFixed(1)}×L)`,
    String(p.loadShed),
    String(p.timedOut + p.other),
    `${result.upstream.requests} / ${result.upstream.peak}`,
  ];
});
console.log(`Overload at 1.5 × C: C = ${C}, L = ${L} ms, ${(1.5 * C * 1000) / L} calls/s for 8 s, total timeout 1 s\n`);
console.log(
  renderTable(
    [
      { title: 'limit', maxWidth: 10 },
      { title: 'calls', maxWidth: 8 },
      { title: 'goodput (of C/L)', maxWidth: 10 },
      { title: 'p50 ok', maxWidth: 8 },
      { title: 'p99 ok', maxWidth: 18 },
      { title: 'load_shed', maxWidth: 9 },
      { title: 'timeouts / other', maxWidth: 10 },
      { title: 'upstream got / peak', maxWidth: 12 },
    ],
    rows,
  ).join('\n'),
);

const adaptive = results.find(([name]) => name === 'adaptive')![1];
const at = (from: number, to: number): number[] =>
  adaptive.limits.filter(([t]) => t >= from && t < to).map(([, limit]) => limit);
const before = at(4000, 5000);
const preOverload = before.reduce((a, b) => a + b, 0) / Math.max(1, before.length);
const during = at(6000, 13_000);
const afterStart = 13_000;
// The first time from which every reading stays within 10% of the pre-overload value.
const after = adaptive.limits.filter(([t]) => t >= afterStart);
let back: number | undefined;
for (let i = after.length - 1; i >= 0; i--) {
  if (Math.abs(after[i]![1] - preOverload) > 0.1 * preOverload) break;
  back = after[i]![0] - afterStart;
}
console.log(
  `\nadaptive limit: ${preOverload.toFixed(1)} before (mean of the last second), ` +
    `${Math.min(...during)}…${Math.max(...during)} during the overload, ` +
    `back within 10% ${back === undefined ? 'not within the 10 s' : `${(back / 1000).toFixed(1)} s after it ended`} ` +
    `(${after.at(-1)?.[1]} at the end)`,
);
for (const phase of adaptive.phases)
  console.log(
    `  ${phase.name.padEnd(8)} goodput ${Math.round(phase.goodput * 100)}% of C/L, p99 ${ms(phase.p99)}, load_shed ${phase.loadShed}`,
  );
