import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The CLI as package.json's `bin` ships it (the bundled entry).
const bin = fileURLToPath(new URL('../../../pkg/cli.js', import.meta.url));

function faultline(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
const rulesOf = (text: string) => (parse(text) as { groups: { name: string; rules: Rule[] }[] }).groups[0]?.rules ?? [];

describe('faultline slo', () => {
  it('prints the recording rules, each objective and the four workbook alerts', () => {
    const { code, stdout, stderr } = faultline(
      { FAULTLINE_SLO_OBJECTIVE: '99.9%', FAULTLINE_SLO_OBJECTIVES: 'payments=0.9995, search=0.99' },
      'slo',
    );
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const rules = rulesOf(stdout);
    const objective = rules.find((r) => r.record === 'faultline_upstream:faultline_slo_objective:ratio');
    assert.equal(
      objective?.expr.trim(),
      [
        '0 * faultline_upstream:faultline_calls:rate3d{faultline_upstream="payments"} + 0.9995',
        'or 0 * faultline_upstream:faultline_calls:rate3d{faultline_upstream="search"} + 0.99',
        'or 0 * faultline_upstream:faultline_calls:rate3d{faultline_upstream!="payments", faultline_upstream!="search"} + 0.999',
      ].join('\n'),
    );
    const alerts = rules.filter((r) => r.alert !== undefined);
    assert.deepEqual(
      alerts.map((a) => [
        a.alert,
        a.labels?.['severity'],
        a.labels?.['long_window'],
        a.labels?.['short_window'],
        a.for,
      ]),
      [
        ['FaultlineErrorBudgetBurn', 'page', '1h', '5m', '2m'],
        ['FaultlineErrorBudgetBurn', 'page', '6h', '30m', '15m'],
        ['FaultlineErrorBudgetBurn', 'ticket', '1d', '2h', '1h'],
        ['FaultlineErrorBudgetBurn', 'ticket', '3d', '6h', '3h'],
      ],
    );
    assert.match(alerts[0]?.expr ?? '', /rate1h > 14\.4\nand on \(faultline_upstream\)\n.*rate5m > 14\.4/);
    const ratio = rules.find((r) => r.record === 'faultline_upstream:faultline_slo_error_ratio:rate5m');
    assert.match(
      ratio?.expr ?? '',
      /faultline_failures_total\{faultline_failure_kind=~"server\|timeout\|network\|invalid_response\|throttled\|circuit_open\|load_shed"\}/,
    );
  });

  it('--objective stands in for FAULTLINE_SLO_OBJECTIVE; --json prints the same rules as JSON', () => {
    const yaml = faultline({ FAULTLINE_SLO_OBJECTIVE: '0.9' }, 'slo', '--objective', '0.995');
    assert.equal(yaml.code, 0, yaml.stderr);
    const json = faultline({}, 'slo', '--objective', '0.995', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), parse(yaml.stdout));
    assert.match(yaml.stdout, /faultline_calls:rate3d \+ 0\.995\n/);
  });

  it('a latency objective alone: rules on the bucket at its threshold and their own alerts', () => {
    const { code, stdout, stderr } = faultline({ FAULTLINE_SLO_LATENCY: '1s:99.5%' }, 'slo');
    assert.equal(code, 0, stderr);
    const rules = rulesOf(stdout);
    assert.equal(rules.filter((r) => r.record?.includes('faultline_slo_error_ratio')).length, 0);
    assert.match(
      rules.find((r) => r.record === 'faultline_upstream:faultline_slo_latency_error_ratio:rate1h')?.expr ?? '',
      /http_client_request_duration_bucket\{faultline_upstream!="", le=~"1\(\\\\\.0\*\)\?"\}\[1h\]/,
    );
    assert.equal(
      rules.find((r) => r.record === 'faultline_upstream:faultline_slo_latency_burn_rate:rate1h')?.expr,
      'faultline_upstream:faultline_slo_latency_error_ratio:rate1h / 0.005',
    );
    assert.deepEqual(
      rules.filter((r) => r.alert !== undefined).map((r) => `${r.alert} ${r.labels?.['severity']}`),
      [
        'FaultlineLatencyBudgetBurn page',
        'FaultlineLatencyBudgetBurn page',
        'FaultlineLatencyBudgetBurn ticket',
        'FaultlineLatencyBudgetBurn ticket',
      ],
    );
  });

  it('no objective at all: exits 1 and says which variables set one', () => {
    const { code, stdout, stderr } = faultline({}, 'slo');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^faultline slo: no objective: set FAULTLINE_SLO_OBJECTIVE .*FAULTLINE_SLO_OBJECTIVES/);
  });

  it('a wrong objective exits 1 with a ConfigError naming the variable', () => {
    const cases: [Record<string, string>, string[], RegExp][] = [
      [
        { FAULTLINE_SLO_OBJECTIVE: '1' },
        [],
        /FAULTLINE_SLO_OBJECTIVE="1" is out of range; expected a share strictly between 0 and 1/,
      ],
      [{ FAULTLINE_SLO_OBJECTIVE: 'three nines' }, [], /FAULTLINE_SLO_OBJECTIVE="three nines" is not an objective/],
      [
        { FAULTLINE_SLO_OBJECTIVES: 'payments=0.999,search' },
        [],
        /FAULTLINE_SLO_OBJECTIVES=".*" has an item without an upstream "search"/,
      ],
      [
        { FAULTLINE_SLO_OBJECTIVES: 'payments=101%' },
        [],
        /FAULTLINE_SLO_OBJECTIVES=".*" has an invalid objective for "payments"/,
      ],
      [{ FAULTLINE_SLO_OBJECTIVES: 'a=0.9,a=0.99' }, [], /names "a" twice/],
      [{}, ['--objective', '0'], /--objective="0" is out of range/],
      [
        { FAULTLINE_SLO_LATENCY: '300ms:0.99' },
        [],
        /FAULTLINE_SLO_LATENCY="300ms:0.99" has a threshold that is not a bucket of http.client.request.duration; expected one of 5ms, .*250ms, 500ms/,
      ],
      [{ FAULTLINE_SLO_LATENCY: '250ms' }, [], /FAULTLINE_SLO_LATENCY="250ms" is not a latency objective/],
      [{ FAULTLINE_SLO_LATENCY: '250ms:1.5' }, [], /FAULTLINE_SLO_LATENCY="250ms:1.5" has an invalid objective/],
    ];
    for (const [env, args, message] of cases) {
      const { code, stdout, stderr } = faultline(env, 'slo', ...args);
      assert.equal(code, 1, JSON.stringify(env));
      assert.equal(stdout, '');
      assert.match(stderr, message);
    }
    // A variable the rules do not depend on is `faultline check`'s business, not a reason to refuse.
    assert.equal(faultline({ FAULTLINE_SLO_OBJECTIVE: '0.99', FAULTLINE_TIMEOUT_MS: 'soon' }, 'slo').code, 0);
  });

  it('a wrong command line exits 2', () => {
    assert.equal(faultline({}, 'check', '--objective', '0.99').code, 2);
    assert.equal(faultline({}, 'slo', 'extra').code, 2);
  });

  it('faultline check shows the objectives, and refuses a wrong one', () => {
    const off = faultline({}, 'check');
    assert.equal(off.code, 0);
    assert.match(off.stdout, /FAULTLINE_SLO_OBJECTIVE\s+off\s+\(default\)/);
    const on = faultline({ FAULTLINE_SLO_OBJECTIVE: '99.9%', FAULTLINE_SLO_OBJECTIVES: 'payments=0.9995' }, 'check');
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /FAULTLINE_SLO_OBJECTIVE\s+0\.999\s+\(environment\)/);
    assert.match(on.stdout, /FAULTLINE_SLO_OBJECTIVES\s+payments=0\.9995\s+\(environment\)/);
    assert.match(on.stdout, /FAULTLINE_SLO_LATENCY\s+off\s+\(default\)/);
    const latency = faultline({ FAULTLINE_SLO_LATENCY: '0.25s:99%' }, 'check');
    assert.match(latency.stdout, /FAULTLINE_SLO_LATENCY\s+250ms:0\.99\s+\(environment\)/);
    const bad = faultline({ FAULTLINE_SLO_OBJECTIVE: '2' }, 'check', '--json');
    assert.equal(bad.code, 1);
    assert.equal((JSON.parse(bad.stdout) as { variable: string }).variable, 'FAULTLINE_SLO_OBJECTIVE');
  });
});
