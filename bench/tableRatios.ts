// The figures of issue 25's table, each a ratio of two rows measured in the same process
// and the same rounds: the ratio of their medians, and its spread as the lowest and
// highest of the per-round ratios (round i of one row against round i of the other).

/** One phase's measurements, as the worker prints them. */
export interface PhaseResult {
  order: string[];
  results: Record<string, { cpu: number[]; rps: number[] }>;
  describe?: Record<string, string>;
}

/** One figure of the table. */
export interface Ratio {
  /** The key of its reference in bench/reference.json. */
  readonly id: string;
  readonly label: string;
  /** Issue 25's target, as words. */
  readonly target: string;
  /** The ratio of the medians (NaN when a row was not measured). */
  readonly value: number;
  /** The lowest and highest per-round ratio. */
  readonly min: number;
  readonly max: number;
  /** The two medians the ratio is made of, in words. */
  readonly detail: string;
}

interface Cell {
  readonly phase: 'plain' | 'signals';
  readonly row: string;
  readonly path: '/ok' | '/fail';
}

interface RatioSpec {
  readonly id: string;
  readonly label: string;
  readonly target: string;
  readonly of: Cell;
  readonly against: Cell;
}

export const ROW = {
  jsonSignals: 'faultline client.json(), signals on',
  floor: 'floor: undici + hand-written span and histogram',
  instrumented: 'undici.request + instrumentation-undici',
  handRolled: 'hand-rolled undici.request stack',
  defaultJson: 'faultline json(), default client',
  defaultGet: 'faultline get(), default client',
  undici: 'undici.request',
} as const;

const SPECS: readonly RatioSpec[] = [
  {
    id: 'success-vs-floor',
    label: 'success: faultline json() vs the floor',
    target: '≤ 1.05×',
    of: { phase: 'signals', row: ROW.jsonSignals, path: '/ok' },
    against: { phase: 'signals', row: ROW.floor, path: '/ok' },
  },
  {
    id: 'success-vs-instrumentation-undici',
    label: 'success vs undici + instrumentation-undici',
    target: '≤ 1.0×',
    of: { phase: 'signals', row: ROW.jsonSignals, path: '/ok' },
    against: { phase: 'signals', row: ROW.instrumented, path: '/ok' },
  },
  {
    id: 'storm-vs-floor',
    label: "503 storm vs the floor's failure path",
    target: '≤ 1.2×',
    of: { phase: 'signals', row: ROW.jsonSignals, path: '/fail' },
    against: { phase: 'signals', row: ROW.floor, path: '/fail' },
  },
  {
    id: 'storm-vs-hand-rolled',
    label: '503 storm vs the hand-rolled stack',
    target: '≤ 0.12×',
    of: { phase: 'signals', row: ROW.jsonSignals, path: '/fail' },
    against: { phase: 'signals', row: ROW.handRolled, path: '/fail' },
  },
  {
    id: 'no-signals-json-vs-undici',
    label: 'no signals: json() (default client) vs clean undici',
    target: '≤ 0.85×',
    of: { phase: 'plain', row: ROW.defaultJson, path: '/ok' },
    against: { phase: 'plain', row: ROW.undici, path: '/ok' },
  },
  {
    id: 'no-signals-get-vs-undici',
    label: 'no signals: get() (default client) vs clean undici',
    target: '≤ 1.0×',
    of: { phase: 'plain', row: ROW.defaultGet, path: '/ok' },
    against: { phase: 'plain', row: ROW.undici, path: '/ok' },
  },
];

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The ratio of two series' medians, with the lowest and highest of their pairwise ratios. */
export function pairedRatio(of: readonly number[], against: readonly number[]): Pick<Ratio, 'value' | 'min' | 'max'> {
  const pairs = of.flatMap((value, i) => (against[i] === undefined ? [] : [value / against[i]]));
  return {
    value: median(of) / median(against),
    min: pairs.length === 0 ? Number.NaN : Math.min(...pairs),
    max: pairs.length === 0 ? Number.NaN : Math.max(...pairs),
  };
}

/** Every CPU ratio of the table that the phases measured (a row left out gives NaN). */
export function tableRatios(phases: Record<'plain' | 'signals', PhaseResult>): Ratio[] {
  const cpu = ({ phase, row, path }: Cell): number[] => phases[phase].results[`${row}\t${path}`]?.cpu ?? [];
  return SPECS.map((spec) => {
    const of = cpu(spec.of);
    const against = cpu(spec.against);
    return {
      id: spec.id,
      label: spec.label,
      target: spec.target,
      ...pairedRatio(of, against),
      detail: `${median(of).toFixed(1)} vs ${median(against).toFixed(1)} µs`,
    };
  });
}

/**
 * `import 'faultline'` against an empty module, each in fresh processes run alternately
 * (so a burst of load falls on both): the ratio of the medians, the spread of the pairwise
 * ratios, and the milliseconds, for the target. Under load this is the noisiest figure
 * (the fastest of each moved more than the medians did: the empty module's import is a
 * few ms that a spike doubles), hence its own margin in bench/reference.json.
 */
export function importRatio(times: { faultline: number[]; empty: number[] }): Ratio {
  return {
    id: 'import-vs-empty-module',
    label: "import 'faultline' (× an empty module's import)",
    target: '≤ 25 ms',
    ...pairedRatio(times.faultline, times.empty),
    detail: `${median(times.faultline).toFixed(1)} ms (${Math.min(...times.faultline).toFixed(1)}–${Math.max(...times.faultline).toFixed(1)}) vs ${median(times.empty).toFixed(1)} ms`,
  };
}
