import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { closedPort } from '../../../src/testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dashboard = JSON.parse(readFileSync(join(root, 'dashboards/faultline.grafana.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const rulesFile = join(root, 'dashboards/alerts.yml');
const rules = parse(readFileSync(rulesFile, 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};

/** Polls until `check` returns a value, or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

/** Stops a child process and waits until it has exited (Prometheus writes to its folder until then). */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// Prometheus's configuration and data; removed when the suite ends, however it ends.
const dir = mkdtempSync(join(tmpdir(), 'faultline-prometheus-'));
const sloRulesFile = join(dir, 'slo.rules.yml');
after(() => assert.equal(existsSync(dir), false, `${dir} is left in the temp directory`));

describe('the dashboard and alerts against a real Prometheus scraping faultline', () => {
  let traffic: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let api: string;

  before(async () => {
    const metricsPort = await closedPort();
    traffic = spawn(process.execPath, [join(root, 'dist/examples/traffic.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_SERVICE_NAME: 'faultline-traffic',
        FAULTLINE_LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    await eventually('faultline /metrics', async () =>
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok ? true : undefined,
    );

    // The SLO panels read the rules `faultline slo` prints, as a user loads them.
    const slo = spawnSync(process.execPath, [join(root, 'dist/pkg/cli.js'), 'slo', '--objective', '0.99'], {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
    });
    assert.equal(slo.status, 0, slo.stderr);
    writeFileSync(sloRulesFile, slo.stdout);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${rulesFile}\n  - ${sloRulesFile}\nscrape_configs:\n  - job_name: faultline\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`,
    );
    const webPort = await closedPort();
    api = `http://127.0.0.1:${webPort}/api/v1`;
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ],
      {
        stdio: 'ignore',
      },
    );
  });

  after(async () => {
    await Promise.all([stop(prometheus), stop(traffic)]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Instant query; the vector's length. */
  const resultsOf = async (expr: string): Promise<number> => {
    const response = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: unknown[] };
    };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data?.result.length ?? 0;
  };
  /** Grafana's variables, as Grafana would fill them in. */
  const asPrometheus = (expr: string): string =>
    expr.replaceAll('$__rate_interval', '1m').replaceAll('$upstream', '.+');

  it('promtool accepts the rules', () => {
    const result = spawnSync('/usr/bin/promtool', ['check', 'rules', rulesFile], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('every dashboard panel query returns data', async () => {
    // Enough scrapes for rate() over every series, including the storm every ~1.5 s.
    await eventually('a dozen scrapes', async () =>
      (await resultsOf('count_over_time(up{job="faultline"}[1m]) >= 12')) > 0 ? true : undefined,
    );
    const queries = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => ({ panel: panel.title, expr: asPrometheus(target.expr) })),
    );
    assert.ok(queries.length >= 10);
    // The SLO panels (their rules loaded from `faultline slo`) are among them.
    assert.ok(queries.some((q) => q.panel === 'Error budget remaining (30 days)'));
    assert.ok(queries.some((q) => q.panel === 'Error budget burn rate' && /slo_burn_rate:rate6h/.test(q.expr)));
    for (const { panel, expr } of queries) {
      const count = await eventually(
        `data for "${panel}"`,
        async () => ((await resultsOf(expr)) > 0 ? resultsOf(expr) : undefined),
        20_000,
      );
      assert.ok(count > 0, `${panel}: ${expr}`);
    }
  });

  it('every alert expression returns data (the traffic makes each condition true)', async () => {
    const all = rules.groups.flatMap((group) => group.rules);
    assert.deepEqual(
      all.map((rule) => rule.alert),
      [
        'FaultlineErrorRatioBurn',
        'FaultlineCircuitOpen',
        'FaultlineRetryBudgetExhausted',
        'FaultlineSentryEventsSuppressed',
        'FaultlineSharedStateUnavailable',
      ],
    );
    for (const rule of all) {
      await eventually(
        `the ${rule.alert} condition`,
        async () => ((await resultsOf(rule.expr)) > 0 ? true : undefined),
        30_000,
      );
    }
    // And Prometheus itself evaluates them as pending or firing.
    const alerts = await eventually('pending alerts', async () => {
      const body = (await (await fetch(`${api}/alerts`)).json()) as {
        data: { alerts: { labels: { alertname: string } }[] };
      };
      const names = new Set(body.data.alerts.map((a) => a.labels.alertname));
      return names.size >= 5 ? names : undefined;
    });
    assert.ok(alerts.has('FaultlineCircuitOpen'));
  });
});
