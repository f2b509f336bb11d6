import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FAILURE_KINDS } from '../../../src/index.js';
import { fileURLToPath } from 'node:url';

/**
 * Runs a compiled example as a user would, with no Sentry or OpenTelemetry configured;
 * `env` adds to that bare environment.
 */
function run(name: string, env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const file = fileURLToPath(new URL(`../../../examples/${name}.js`, import.meta.url));
  const result = spawnSync(process.execPath, [file], {
    env: { PATH: process.env['PATH'] ?? '', FAULTLINE_LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface DemoRow {
  readonly call: string;
  readonly outcome: string;
  readonly attempts: string;
  readonly waits: string;
  readonly sentry: string;
}

/** The demo's table as printed: its lines, and its rows with each cell's wrapped lines joined. */
function tableOf(stdout: string): { lines: string[]; rows: DemoRow[] } {
  const lines = stdout.split('\n').filter((line) => line.startsWith('|'));
  const groups: string[][] = [[]];
  for (const line of lines) {
    if (/^\|[-|]+\|$/.test(line)) groups.push([]);
    else groups[groups.length - 1]!.push(line);
  }
  const rows = groups.slice(1).map((group) => {
    const columns: string[][] = [];
    for (const line of group) {
      line
        .slice(2, -2)
        .split(' | ')
        .forEach((cell, i) => (columns[i] ??= []).push(cell.trim()));
    }
    const [call, outcome, attempts, waits, sentry] = columns.map((cell) => cell.filter((l) => l !== '').join(' '));
    return {
      call: call ?? '',
      outcome: outcome ?? '',
      attempts: attempts ?? '',
      waits: waits ?? '',
      sentry: sentry ?? '',
    };
  });
  return { lines, rows };
}

/** The Sentry cell of a call that went to the issue of `fingerprint` with its own event. */
const issue = (fingerprint: string, level: string): RegExp =>
  new RegExp(`^#\\d+ ${fingerprint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(${level}\\)$`);

describe('the examples run as documented', () => {
  const cases: [string, RegExp[]][] = [
    [
      'express-service',
      [
        /GET \/stock\/sku-1 -> 200 application\/json; charset=utf-8 \{"sku":"sku-1","stock":7\}/,
        /GET \/stock\/sku-2 -> 503 retry-after 30 application\/problem\+json; charset=utf-8 \{.*"kind":"throttled"/,
        /GET \/stock\/sku-3 -> 504 application\/problem\+json; charset=utf-8 \{.*"kind":"timeout".*\} \(\d{3,4} ms\)/,
        /GET \/stock\/pencil -> 404 application\/problem\+json; charset=utf-8 \{.*"title":"No such SKU"/,
      ],
    ],
    [
      'fastify-service',
      [
        /GET \/prices\/p-1 -> 200 application\/json; charset=utf-8 \{"id":"p-1","eur":12.5\}/,
        /GET \/prices\/p-2 -> 502 application\/problem\+json; charset=utf-8 \{.*"kind":"server"/,
        /GET \/prices\/p-3 -> 504 application\/problem\+json; charset=utf-8 \{.*"kind":"timeout".*\} \(\d{3,4} ms\)/,
        /GET \/prices\/nonsense -> 400 application\/problem\+json; charset=utf-8 \{.*"title":"Bad price id"/,
        /the upstream was told it had [1-3]\d\d ms/,
      ],
    ],
    ['token-refresh', [/10 requests succeeded after 1 refresh; the upstream saw 21 requests/]],
    ['custom-strategy', [/got \{"eur":1.08\} after 3 attempts/]],
    ['create-fetch', [/ky \+ createFetch: Ada, after 2 attempts/]],
    [
      'classify-axios',
      [
        /429 with Retry-After: kind=throttled code=429 retryAfterMs=12000/,
        /a server that hangs: kind=timeout/,
        /nobody listening: kind=network code=ECONNREFUSED/,
      ],
    ],
  ];
  it('adaptive-throttle (one seed)', () => {
    const { code, stdout, stderr } = run('adaptive-throttle', {
      ADAPTIVE_THROTTLE_SEEDS: '1',
      ADAPTIVE_THROTTLE_WINDOWS: '30000',
      ADAPTIVE_THROTTLE_SHARES: '',
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /without the policy: 1200 calls in 120 s, upstream received 1200, accepted 120/);
    assert.match(
      stdout,
      /adaptiveThrottle\(k=2, windowMs=30000, recovery=accepting\) seed 1: sick 1200 calls, upstream received 16 .*last refusal 9 s after healing/,
    );
    assert.match(
      stdout,
      /adaptiveThrottle\(k=2, windowMs=30000, recovery=book\) seed 1: sick 1200 calls, upstream received 13 .*last refusal 134.9 s after healing/,
    );
  });
  for (const [name, expectations] of cases) {
    it(name, () => {
      const { code, stdout, stderr } = run(name);
      assert.equal(code, 0, stderr);
      for (const expected of expectations) assert.match(stdout, expected);
    });
  }

  it('the demo tours every kind, tells each row its own Sentry issue and full trace id, in an aligned table', (t) => {
    // The demo's temp directory, fresh: what the run leaves there is all it leaves.
    const temp = mkdtempSync(join(tmpdir(), 'faultline-examples-'));
    t.after(() => rmSync(temp, { recursive: true, force: true }));
    // A previous run's folder, which the demo reuses and clears.
    mkdirSync(join(temp, 'faultline-demo'));
    writeFileSync(join(temp, 'faultline-demo', 'stale.jsonl'), '{}\n');

    const started = Date.now();
    const { code, stdout, stderr } = run('demo', { TMPDIR: temp });
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - started < 30_000);
    assert.match(stderr, /\[16\/16\]/, 'progress is shown');

    // Aligned: every line of the table as wide as the next, and no wider than a terminal.
    const { lines, rows } = tableOf(stdout);
    assert.ok(lines.length > rows.length, 'the table is printed');
    const widths = new Set(lines.map((line) => line.length));
    assert.equal(
      widths.size,
      1,
      `lines of different widths:\n${lines.filter((l) => l.length !== lines[0]!.length).join('\n')}`,
    );
    assert.ok(lines[0]!.length <= 160, `the table is ${lines[0]!.length} columns wide`);

    // Each row in its place, with the Sentry issue its own call went to, or why it has none.
    const expected: [string, string | RegExp][] = [
      ['GET /v1/charges/42', '—'],
      ['GET /v1/me (token expired)', '—'],
      ['GET /admin (wrong password)', issue('admin · GET · /admin · unauthorized', 'warning')],
      ['POST /v1/charges/99/refund', issue('payments · POST · /v1/charges/{id}/refund · forbidden', 'warning')],
      ['GET /v1/quotes', '—'],
      ['GET /v1/rates (Retry-After: 120)', issue('payments · GET · /v1/rates · throttled', 'warning')],
      ['GET /v1/ledger', issue('payments · GET · /v1/ledger · server', 'error')],
      ['GET /v1/ledger/export', issue('payments · GET · /v1/ledger/export · server', 'error')],
      ['GET /v1/reports (hangs)', issue('payments · GET · /v1/reports · timeout', 'error')],
      ['GET /v1/fx (refused)', issue('fx · GET · /v1/fx · network', 'error')],
      ['GET /v1/catalog (HTML body)', issue('payments · GET · /v1/catalog · invalid_response', 'error')],
      ['GET /v1/charges/404', 'not reported: client is not a reported kind'],
      ['GET /v1/slow (aborted at 150 ms)', 'not reported: cancelled is not a reported kind'],
      [
        '3 × GET /v1/inventory, all 503: the circuit opens',
        // One event per call; Sentry's Dedupe may drop repeats, and the row says so.
        /^#\d+ inventory · GET · \/v1\/inventory · server \(error\): (1 event|[23] events) for 3 failed calls(, [12] not received)?$/,
      ],
      ['GET /v1/inventory (circuit open) [upstream hits: 3 → 3]', 'not reported: circuit_open is not a reported kind'],
      ['GET /v1/inventory (1.1 s later, healed)', '—'],
      [
        'GET /v1/quotes (over the concurrency limit) [upstream hits: 1, for 2 calls]',
        'not reported: load_shed is not a reported kind',
      ],
      [
        '100 × GET /v1/search, all 503 [upstream hits: 120, not 400]',
        /^#\d+ search · GET · \/v1\/search · server \(error\): \d+ events? for 100 failed calls, 90 held back by the cap(, \d+ not received)?$/,
      ],
    ];
    assert.deepEqual(
      rows.map((row) =>
        row.call.replace(/ (trace [0-9a-f]{32}|no trace: nothing was sent|\(\d+ traces, one per call\))$/, ''),
      ),
      expected.map(([call]) => call),
    );
    for (const [i, [call, sentry]] of expected.entries()) {
      if (typeof sentry === 'string') assert.equal(rows[i]!.sentry, sentry, call);
      else assert.match(rows[i]!.sentry, sentry, call);
    }
    // The storm's counts add up: events received, held back by the cap, lost on the way.
    const storm = /: (\d+) events? for 100 failed calls, 90 held back by the cap(?:, (\d+) not received)?$/.exec(
      rows.at(-1)!.sentry,
    )!;
    assert.equal(Number(storm[1]) + 90 + Number(storm[2] ?? 0), 100);

    // Trace ids in full, on the call's second line: 32 hex digits, or why there is none.
    const traces = rows.map(
      (row) => / (trace \S+|no trace: nothing was sent|\(\d+ traces, one per call\))$/.exec(row.call)?.[1],
    );
    assert.deepEqual(
      traces.map((trace) => (trace?.startsWith('trace ') ? /^trace [0-9a-f]{32}$/.test(trace) : trace)),
      [
        ...Array<boolean>(13).fill(true),
        '(3 traces, one per call)',
        'no trace: nothing was sent',
        true,
        'no trace: nothing was sent',
        '(100 traces, one per call)',
      ],
    );

    // Issue numbers: one per fingerprint, 1 to N; the footer counts the same N.
    const issues = new Map<string, string>();
    for (const row of rows) {
      const [, number, fingerprint] = /^#(\d+) (.+?) \((?:error|warning)\)/.exec(row.sentry) ?? [];
      if (number === undefined) continue;
      assert.equal(issues.get(number) ?? fingerprint, fingerprint, `#${number} is one fingerprint`);
      issues.set(number, fingerprint!);
    }
    assert.equal(new Set(issues.values()).size, issues.size, 'one number per fingerprint');
    assert.deepEqual(
      [...issues.keys()].map(Number).sort((a, b) => a - b),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    const footer = /Sentry: +(\d+) events at the embedded sink, in (\d+) issues \(distinct fingerprints/.exec(stdout);
    assert.ok(footer, stdout);
    assert.equal(Number(footer[2]), issues.size, 'the footer counts the fingerprints the sink received');
    assert.ok(Number(footer[1]) >= issues.size);
    assert.doesNotMatch(stdout, /^ +also #/m, 'every fingerprint received has its row');

    // Every kind, and why each wait was as long as it was.
    for (const kind of FAILURE_KINDS) {
      assert.ok(
        rows.some((row) => row.outcome.startsWith(`${kind} `)),
        `the table shows ${kind}`,
      );
    }
    const waits = rows.map((row) => row.waits).join('\n');
    assert.match(waits, /the server asked \(Retry-After\)/);
    assert.match(waits, /token refreshed, replayed at once/);
    assert.match(waits, /retry_budget_exhausted/);

    // One folder in the temp directory, cleared at the start and named in the output.
    const logs = join(temp, 'faultline-demo', 'faultline.jsonl');
    assert.ok(stdout.includes(`JSON logs:     ${logs} (`), stdout);
    assert.deepEqual(readdirSync(temp), ['faultline-demo']);
    assert.deepEqual(readdirSync(join(temp, 'faultline-demo')), ['faultline.jsonl']);
  });
});
