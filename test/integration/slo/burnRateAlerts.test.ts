import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

// The rules as users get them: from the bundled CLI that package.json's `bin` ships.
const bin = fileURLToPath(new URL('../../../pkg/cli.js', import.meta.url));
const PROMTOOL = '/usr/bin/promtool';

/** Minutes between samples (and between evaluations) of the scenario being written. */
let step = 1;

/**
 * A counter sampled every `step` minutes from 0: each segment adds `perMinute` a minute
 * for `minutes`, in promtool's expanding notation.
 */
function counter(...segments: readonly (readonly [perMinute: number, minutes: number])[]): string {
  let value = 0;
  const parts = ['0'];
  for (const [perMinute, minutes] of segments) {
    const perSample = perMinute * step;
    parts.push(`${value + perSample}+${perSample}x${minutes / step - 1}`);
    value += perMinute * minutes;
  }
  return parts.join(' ');
}

/** Series of one upstream: attempts (calls + retries), retries, and failures by kind. */
function upstream(
  name: string,
  minutes: number,
  calls: number,
  failures: Readonly<Record<string, readonly (readonly [number, number])[]>>,
  retries = 0,
) {
  const series = [
    {
      series: `http_client_request_duration_count{faultline_upstream="${name}",http_request_method="GET",job="shop"}`,
      values: counter([calls + retries, minutes]),
    },
    {
      series: `faultline_retries_total{faultline_upstream="${name}",faultline_retry_reason="status",job="shop"}`,
      values: counter([retries, minutes]),
    },
  ];
  for (const [kind, segments] of Object.entries(failures))
    series.push({
      series: `faultline_failures_total{faultline_upstream="${name}",faultline_failure_kind="${kind}",faultline_stop_reason="attempts_exhausted",job="shop"}`,
      values: counter(...segments),
    });
  return series;
}

/** The alerts of `alertname` firing at `minute`, as `upstream/severity`. */
function firingOf(alertname: string, minute: number, ...expected: string[]) {
  return {
    expr: `group by (faultline_upstream, severity) (ALERTS{alertname="${alertname}", alertstate="firing"})`,
    eval_time: `${minute}m`,
    exp_samples: expected.map((name) => {
      const [up, severity] = name.split('/');
      return { labels: `{faultline_upstream="${up}", severity="${severity}"}`, value: 1 };
    }),
  };
}

const firing = (minute: number, ...expected: string[]) => firingOf('FaultlineErrorBudgetBurn', minute, ...expected);

const dir = mkdtempSync(join(tmpdir(), 'faultline-slo-'));
const rulesFile = join(dir, 'slo.rules.yml');

/** Runs `promtool test rules` on one scenario; fails with promtool's own account. */
function promtoolTest(name: string, inputSeries: unknown[], checks: unknown[], rules = rulesFile): void {
  const file = join(dir, `${name}.test.yml`);
  writeFileSync(
    file,
    stringify({
      rule_files: [rules],
      evaluation_interval: `${step}m`,
      tests: [{ name, interval: `${step}m`, input_series: inputSeries, promql_expr_test: checks }],
    }),
  );
  const result = spawnSync(PROMTOOL, ['test', 'rules', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
}

describe('faultline slo: the burn-rate rules under promtool', () => {
  before(() => {
    // 99.9% for every upstream, 99% for search.
    const result = spawnSync(process.execPath, [bin, 'slo'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        FAULTLINE_SLO_OBJECTIVE: '0.999',
        FAULTLINE_SLO_OBJECTIVES: 'search=99%',
      },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    writeFileSync(rulesFile, result.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool check rules accepts them (lint included)', () => {
    const result = spawnSync(PROMTOOL, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 27 rules found/);
  });

  it('an outage pages within 5 minutes; page and ticket clear once the short windows are past it', () => {
    const minutes = 480;
    step = 1;
    promtoolTest(
      'outage',
      [
        // payments (99.9%): 1000 calls a minute, 100 retries; 50% server errors from minute
        // 60 to 90 (500× the sustainable rate). 5% client errors all along do not count:
        // counted, they alone would page.
        ...upstream(
          'payments',
          minutes,
          1000,
          {
            server: [
              [0, 60],
              [500, 30],
              [0, minutes - 90],
            ],
            client: [[50, minutes]],
          },
          100,
        ),
        // search (99%, its own objective): 0.9% failures, 0.9× its budget; at 99.9% this would page.
        ...upstream('search', minutes, 1000, { timeout: [[9, minutes]] }),
      ],
      [
        firing(59),
        firing(64, 'payments/page'),
        // The 6h/30m pair keeps paging until the 30m window is past the burn; the ticket
        // (1d/2h, for 1h) has fired meanwhile.
        firing(110, 'payments/page'),
        firing(119, 'payments/page'),
        firing(125, 'payments/ticket'),
        // The ticket's 6h short window is past it too.
        firing(460),
      ],
    );
  });

  it('a burn just above 14.4× pages within 5 minutes of the 1h window reaching it', () => {
    const minutes = 200;
    step = 1;
    promtoolTest(
      'page-threshold',
      // 15× (1.5% of calls fail) after two clean hours: the 1h window averages past 14.4×
      // 57.6 minutes into the burn, at minute 178.
      upstream('checkout', minutes, 1000, {
        network: [
          [0, 120],
          [15, minutes - 120],
        ],
      }),
      [
        firing(170),
        {
          expr: 'faultline_upstream:faultline_slo_burn_rate:rate1h > 14.4',
          eval_time: '176m',
          exp_samples: [],
        },
        firing(183, 'checkout/page'),
      ],
    );
  });

  it('a 3.3× burn opens a ticket within a day and never pages; 1× fires nothing; both clear after', () => {
    const day = 1440;
    const minutes = day + 26 * 60 + 7 * 60;
    // Every 5 minutes: two and a half days of samples (the windows here are 30m and up).
    step = 5;
    promtoolTest(
      'ticket-and-sustainable',
      [
        // inventory: a clean day, then 0.33% failures (3.3×) for 26 hours, then clean again.
        ...upstream('inventory', minutes, 10_000, {
          invalid_response: [
            [0, day],
            [33, 26 * 60],
            [0, 7 * 60],
          ],
        }),
        // ledger: exactly the sustainable rate (0.1%, 1×) all along.
        ...upstream('ledger', minutes, 10_000, { server: [[10, minutes]] }),
      ],
      [
        firing(day + 6 * 60),
        firing(day + 24 * 60, 'inventory/ticket'),
        firing(day + 26 * 60, 'inventory/ticket'),
        firing(day + 26 * 60 + 6 * 60),
      ],
    );
  });

  it('a latency objective: half the attempts over 250 ms pages within 5 minutes, and clears', () => {
    const result = spawnSync(process.execPath, [bin, 'slo'], {
      env: { PATH: process.env['PATH'] ?? '', FAULTLINE_SLO_LATENCY: '250ms:0.999' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const latencyRules = join(dir, 'latency.rules.yml');
    writeFileSync(latencyRules, result.stdout);
    step = 1;
    const minutes = 480;
    const series = (le: string, values: string) => ({
      series: `http_client_request_duration_bucket{faultline_upstream="catalog",le="${le}",job="shop"}`,
      values,
    });
    promtoolTest(
      'latency',
      [
        {
          series: 'http_client_request_duration_count{faultline_upstream="catalog",job="shop"}',
          values: counter([4000, minutes]),
        },
        // 99.95% within 250 ms (0.5×: 2 in 4000 slow), then half of them (500×) for 30
        // minutes, then 99.95% again.
        series('0.25', counter([3998, 60], [2000, 30], [3998, minutes - 90])),
        // Another bucket: counted too, the ratio would be negative and nothing would fire.
        series('0.5', counter([4000, minutes])),
      ],
      [
        firingOf('FaultlineLatencyBudgetBurn', 59),
        firingOf('FaultlineLatencyBudgetBurn', 64, 'catalog/page'),
        firingOf('FaultlineLatencyBudgetBurn', 460),
      ],
      latencyRules,
    );
  });
});
