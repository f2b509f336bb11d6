import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { FAILURE_KINDS } from '../../src/index.js';
import { fileURLToPath } from 'node:url';

/** Runs a compiled example as a user would, with no Sentry or OpenTelemetry configured. */
function run(name: string): { code: number | null; stdout: string; stderr: string } {
  const file = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  const env = { PATH: process.env['PATH'] ?? '', FAULTLINE_LOG_LEVEL: 'error' };
  const result = spawnSync(process.execPath, [file], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the examples run as documented', () => {
  const cases: [string, RegExp[]][] = [
    ['express-service', [/GET \/stock\/sku-1 -> 200 +\{"sku":"sku-1","stock":7\}/, /GET \/stock\/sku-2 -> 503 30 /]],
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
  for (const [name, expectations] of cases) {
    it(name, () => {
      const { code, stdout, stderr } = run(name);
      assert.equal(code, 0, stderr);
      for (const expected of expectations) assert.match(stdout, expected);
    });
  }

  it('the demo tours every kind and exits 0 within 30 s', () => {
    const started = Date.now();
    const { code, stdout, stderr } = run('demo');
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - started < 30_000);
    for (const kind of FAILURE_KINDS) {
      assert.match(stdout, new RegExp(`\\| ${kind} `), `the table shows ${kind}`);
    }
    assert.match(stdout, /the server asked \(Retry-After\)/);
    assert.match(stdout, /token refreshed, replayed at once/);
    assert.match(stdout, /retry_budget_exhausted/);
    assert.match(stdout, /#\d+ payments · GET · \/v1\/ledger · server \(error\)/);
    assert.match(stdout, /JSON logs: +\/.*faultline\.jsonl/);
    assert.match(stderr, /\[15\/15\]/, 'progress is shown');
  });
});
