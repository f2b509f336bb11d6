// The benchmark's regression guard: each figure of the ratio table against the reference
// stored in bench/reference.json for the same kind of run (quick or full).
import type { Ratio } from './tableRatios.js';

/** Where a set of reference ratios comes from. */
export interface ReferenceRun {
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly command: string;
  readonly note?: string;
}

/** The reference ratios of one kind of run, by figure id. */
export interface ReferenceSet {
  readonly run: ReferenceRun;
  readonly ratios: Readonly<Record<string, { value: number; min: number; max: number; runs?: number[] }>>;
}

/** bench/reference.json. */
export interface Reference {
  /** A figure fails when it is over its reference × margin. */
  readonly margin: number;
  /** A margin of its own for a figure, by id (a noisier one). */
  readonly margins?: Readonly<Record<string, number>>;
  readonly why?: string;
  readonly quick?: ReferenceSet;
  readonly full?: ReferenceSet;
}

export interface CheckResult {
  /** One line per figure over its limit, naming it, its ratio and its reference. */
  readonly failures: string[];
  /** One line per figure: checked, or why not. */
  readonly lines: string[];
}

const x = (value: number): string => `${value.toFixed(2)}×`;

/**
 * Each measured figure against `reference` (NaN ratios, the rows a run left out, are
 * skipped). Lower is better for every figure, so only a rise fails.
 *
 * @example
 * ```ts
 * checkRatios([{ id: 'a', label: 'A', value: 1.8, ... }], { a: { value: 1, min: 1, max: 1 } }, 1.5).failures;
 * // ['BENCH REGRESSION: A [a]: 1.80× is over its reference 1.00× × 1.5 = 1.50×']
 * ```
 */
export function checkRatios(
  ratios: readonly Pick<Ratio, 'id' | 'label' | 'value'>[],
  reference: ReferenceSet['ratios'],
  margin: number,
  margins: Readonly<Record<string, number>> = {},
): CheckResult {
  const failures: string[] = [];
  const lines: string[] = [];
  for (const { id, label, value } of ratios) {
    const stored = reference[id];
    if (Number.isNaN(value)) lines.push(`not measured in this run: ${label} [${id}]`);
    else if (stored === undefined) lines.push(`no reference for ${label} [${id}] (${x(value)})`);
    else {
      const own = margins[id] ?? margin;
      const limit = stored.value * own;
      if (value > limit) {
        const failure = `BENCH REGRESSION: ${label} [${id}]: ${x(value)} is over its reference ${x(stored.value)} × ${own} = ${x(limit)}`;
        failures.push(failure);
        lines.push(failure);
      } else lines.push(`ok: ${label} [${id}]: ${x(value)} (reference ${x(stored.value)}, limit ${x(limit)})`);
    }
  }
  return { failures, lines };
}
