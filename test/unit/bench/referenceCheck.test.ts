import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkRatios, type Reference } from '../../../bench/referenceCheck.js';
import { importRatio, pairedRatio, type PhaseResult, ROW, tableRatios } from '../../../bench/tableRatios.js';

const reference = { a: { value: 1, min: 0.9, max: 1.1 }, b: { value: 0.1, min: 0.1, max: 0.1 } };

describe('the benchmark guard: each figure against its stored reference (issue 25)', () => {
  it('a figure over reference × margin fails with a line naming it, its ratio and its reference', () => {
    const result = checkRatios(
      [
        { id: 'a', label: 'success vs the floor', value: 1.51 },
        { id: 'b', label: 'storm vs hand-rolled', value: 0.14 },
      ],
      reference,
      1.5,
    );
    assert.deepEqual(result.failures, [
      'BENCH REGRESSION: success vs the floor [a]: 1.51× is over its reference 1.00× × 1.5 = 1.50×',
    ]);
    assert.equal(result.lines[1], 'ok: storm vs hand-rolled [b]: 0.14× (reference 0.10×, limit 0.15×)');
  });

  it('a figure at its limit or lower passes, and a drop never fails', () => {
    const result = checkRatios(
      [
        { id: 'a', label: 'A', value: 1.5 },
        { id: 'b', label: 'B', value: 0.01 },
      ],
      reference,
      1.5,
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.lines.length, 2);
  });

  it('a figure with a margin of its own is checked against that margin', () => {
    const ratios = [{ id: 'a', label: 'A', value: 1.9 }];
    assert.deepEqual(checkRatios(ratios, reference, 1.5, { a: 2 }).failures, []);
    assert.deepEqual(checkRatios(ratios, reference, 1.5, { b: 2 }).failures, [
      'BENCH REGRESSION: A [a]: 1.90× is over its reference 1.00× × 1.5 = 1.50×',
    ]);
  });

  it('a row the run left out (NaN) and a figure with no reference are said, not failed', () => {
    const result = checkRatios(
      [
        { id: 'a', label: 'A', value: Number.NaN },
        { id: 'c', label: 'C', value: 9 },
      ],
      reference,
      1.5,
    );
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.lines, ['not measured in this run: A [a]', 'no reference for C [c] (9.00×)']);
  });
});

describe('the ratio table: medians, and the spread of per-round ratios', () => {
  it('the ratio is of the medians; the spread pairs round i with round i', () => {
    assert.deepEqual(pairedRatio([10, 30, 20], [10, 10, 20]), { value: 2, min: 1, max: 3 });
  });

  it('every figure of issue 25 is computed from the rows that the bench measures, a missing row giving NaN', () => {
    const series = (cpu: number[]) => ({ cpu, rps: cpu });
    const signals: PhaseResult = {
      order: [],
      results: {
        [`${ROW.jsonSignals}\t/ok`]: series([120, 130]),
        [`${ROW.jsonSignals}\t/fail`]: series([150, 150]),
        [`${ROW.floor}\t/ok`]: series([100, 100]),
        [`${ROW.floor}\t/fail`]: series([100, 150]),
        [`${ROW.handRolled}\t/fail`]: series([1000, 1500]),
      },
    };
    const plain: PhaseResult = {
      order: [],
      results: {
        [`${ROW.defaultJson}\t/ok`]: series([40, 60]),
        [`${ROW.undici}\t/ok`]: series([50, 50]),
      },
    };
    const byId = Object.fromEntries(tableRatios({ plain, signals }).map((r) => [r.id, r]));
    assert.equal(byId['success-vs-floor']?.value, 1.25);
    assert.equal(byId['success-vs-floor']?.max, 1.3);
    assert.equal(byId['storm-vs-floor']?.min, 1);
    assert.equal(byId['storm-vs-hand-rolled']?.value, 0.12);
    assert.equal(byId['no-signals-json-vs-undici']?.value, 1);
    assert.ok(Number.isNaN(byId['success-vs-instrumentation-undici']?.value));
    assert.ok(Number.isNaN(byId['no-signals-get-vs-undici']?.value));
    assert.equal(importRatio({ faultline: [20, 30, 25], empty: [5, 4, 6] }).value, 5);
  });

  it('bench/reference.json holds every figure for the quick run (what .ci/run checks) and a margin', () => {
    const stored = JSON.parse(
      readFileSync(new URL('../../../../bench/reference.json', import.meta.url), 'utf8'),
    ) as Reference;
    assert.ok(stored.margin > 1);
    const ids = [
      ...tableRatios({ plain: { order: [], results: {} }, signals: { order: [], results: {} } }).map((r) => r.id),
      'import-vs-empty-module',
    ];
    assert.deepEqual(Object.keys(stored.quick?.ratios ?? {}).sort(), ids.sort());
  });
});
