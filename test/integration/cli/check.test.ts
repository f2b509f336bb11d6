import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The CLI as package.json's `bin` ships it (the bundled entry).
const bin = fileURLToPath(new URL('../../../pkg/cli.js', import.meta.url));
const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

function run(program: string, env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [program, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function check(env: Record<string, string>, ...args: string[]) {
  return run(bin, env, 'check', ...args);
}

interface JsonReport {
  valid: boolean;
  variable?: string;
  error?: string;
  problems?: { variable: string; problem: string; accepted: string; message: string }[];
  warnings: { variable: string; message: string; suggestion?: string }[];
}

describe('faultline check', () => {
  it('prints the effective configuration with its sources, secrets masked', () => {
    const { code, stdout } = check({
      FAULTLINE_TIMEOUT_MS: '5000',
      SENTRY_DSN: 'https://abcdef0123456789@o1.ingest.sentry.io/42',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cr3tT0ken,x-tenant=acme',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:pw1234@collector.internal:4318',
    });
    assert.equal(code, 0);
    assert.match(stdout, /FAULTLINE_TIMEOUT_MS\s+5000\s+\(environment\)/);
    assert.match(stdout, /FAULTLINE_ATTEMPT_TIMEOUT_MS\s+10000\s+\(default\)/);
    assert.match(stdout, /SENTRY_DSN\s+https:\/\/\*\*\*\*@o1\.ingest\.sentry\.io\/42/);
    assert.doesNotMatch(stdout, /abcdef0123456789|s3cr3tT0ken|pw1234|acme/);
  });

  it('shows the proxies in force with their credentials masked, and FAULTLINE_PROXY', () => {
    const on = check({ HTTPS_PROXY: 'http://egress:pr0xyPw0rd@proxy.internal:3128', no_proxy: '.internal' });
    assert.equal(on.code, 0);
    assert.match(on.stdout, /FAULTLINE_PROXY\s+on\s+\(default\)/);
    assert.match(on.stdout, /HTTPS_PROXY\s+http:\/\/REDACTED@proxy\.internal:3128\s+\(environment\)/);
    assert.match(on.stdout, /no_proxy\s+\.internal\s+\(environment\)/);
    assert.doesNotMatch(on.stdout, /pr0xyPw0rd|egress/);

    const off = check({ FAULTLINE_PROXY: 'off', HTTP_PROXY: 'egress:pr0xyPw0rd@proxy.internal:3128' });
    assert.equal(off.code, 0);
    assert.match(off.stdout, /FAULTLINE_PROXY\s+off\s+\(environment\)/);
    assert.match(off.stdout, /HTTP_PROXY\s+REDACTED@proxy\.internal:3128 \(ignored: FAULTLINE_PROXY=off\)/);
    assert.doesNotMatch(off.stdout, /pr0xyPw0rd/);

    const bad = check({ HTTP_PROXY: 'http://egress:pr0xyPw0rd@proxy internal' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HTTP_PROXY="http:\/\/REDACTED@proxy internal" is not a URL/);
    assert.doesNotMatch(bad.stderr, /pr0xyPw0rd/);
  });

  it('shows the shared-state Redis with its password masked, and the key prefix', () => {
    const on = check({ FAULTLINE_REDIS_URL: 'rediss://default:r3disPw0rd@cache.internal:6380/2' });
    assert.equal(on.code, 0);
    assert.match(
      on.stdout,
      /FAULTLINE_REDIS_URL\s+rediss:\/\/default:\*\*\*\*@cache\.internal:6380\/2\s+\(environment\)/,
    );
    assert.match(on.stdout, /FAULTLINE_REDIS_PREFIX\s+faultline:\s+\(default\)/);
    assert.match(check({}).stdout, /FAULTLINE_REDIS_PREFIX\s+faultline:\s+\(default\)/, 'its default, Redis or not');
    assert.doesNotMatch(on.stdout, /r3disPw0rd/);
    assert.doesNotMatch(on.stderr, /reserved/);

    const bad = check({ FAULTLINE_REDIS_URL: 'redis://:r3disPw0rd@' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /FAULTLINE_REDIS_URL="redis:\/\/\*\*\*\*@" is not a Redis URL/);
    assert.doesNotMatch(bad.stderr, /r3disPw0rd/);
  });

  it('--json is machine-readable', () => {
    const { code, stdout } = check({ FAULTLINE_LOG_FORMAT: 'pretty' }, '--json');
    assert.equal(code, 0);
    const parsed = JSON.parse(stdout) as {
      valid: boolean;
      settings: { name: string; value: string; source: string }[];
    };
    assert.equal(parsed.valid, true);
    assert.deepEqual(
      parsed.settings.find((s) => s.name === 'FAULTLINE_LOG_FORMAT'),
      { name: 'FAULTLINE_LOG_FORMAT', value: 'pretty', source: 'environment' },
    );
  });

  it('exits 1 naming the variable, the problem and what is accepted', () => {
    const { code, stderr } = check({ FAULTLINE_RETRY_MAX_ATTEMPTS: 'lots' });
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      'faultline check: FAULTLINE_RETRY_MAX_ATTEMPTS="lots" is not a number; expected a whole number from 1 to 100',
    );
  });

  it('reports every wrong variable, one line each, and --json lists them all', () => {
    const env = {
      FAULTLINE_TIMEOUT_MS: 'soon',
      FAULTLINE_REPORT_KINDS: 'server,oops',
      FAULTLINE_LOG_FORMAT: 'xml',
    };
    const { code, stderr } = check(env);
    assert.equal(code, 1);
    assert.deepEqual(stderr.trim().split('\n'), [
      'faultline check: FAULTLINE_TIMEOUT_MS="soon" is not a number; expected a whole number from 0 to 2147483647',
      'faultline check: FAULTLINE_REPORT_KINDS="server,oops" names an unknown kind "oops"; expected a comma list of ' +
        'unauthorized, forbidden, throttled, timeout, network, server, client, invalid_response, cancelled, circuit_open, load_shed',
      'faultline check: FAULTLINE_LOG_FORMAT="xml" is not a known value; expected one of json, pretty',
    ]);

    const json = check(env, '--json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as JsonReport;
    assert.equal(report.valid, false);
    assert.equal(report.variable, 'FAULTLINE_TIMEOUT_MS', 'the first wrong variable, as before');
    assert.match(report.error ?? '', /^FAULTLINE_TIMEOUT_MS="soon" is not a number/);
    assert.deepEqual(
      report.problems?.map((p) => [p.variable, p.problem]),
      [
        ['FAULTLINE_TIMEOUT_MS', 'is not a number'],
        ['FAULTLINE_REPORT_KINDS', 'names an unknown kind "oops"'],
        ['FAULTLINE_LOG_FORMAT', 'is not a known value'],
      ],
    );
    assert.equal(report.problems?.[2]?.accepted, 'one of json, pretty');
  });

  it('warns about a misspelt FAULTLINE_* name with the nearest known one, and still exits 0', () => {
    const { code, stdout, stderr } = check({
      FAULTLINE_TIMEOUT: '5000',
      FAULTLINE_RETRY_MAX_ATEMPTS: '4',
      FAULTLINE_COLOUR: 'blue',
      FAULTLINE_LOG_FORMAT: 'pretty',
    });
    assert.equal(code, 0);
    assert.deepEqual(stderr.trim().split('\n'), [
      'faultline check: warning: FAULTLINE_COLOUR is not a faultline variable',
      'faultline check: warning: FAULTLINE_RETRY_MAX_ATEMPTS is not a faultline variable; did you mean FAULTLINE_RETRY_MAX_ATTEMPTS?',
      'faultline check: warning: FAULTLINE_TIMEOUT is not a faultline variable; did you mean FAULTLINE_TIMEOUT_MS?',
    ]);
    assert.match(stdout, /the configuration is valid/);
    assert.match(stdout, /FAULTLINE_TIMEOUT_MS\s+30000\s+\(default\)/, 'the misspelt name was not read');

    const json = check({ FAULTLINE_TIMEOUT: '5000' }, '--json');
    assert.equal(json.code, 0);
    const report = JSON.parse(json.stdout) as JsonReport;
    assert.equal(report.valid, true);
    assert.deepEqual(report.warnings, [
      {
        variable: 'FAULTLINE_TIMEOUT',
        message: 'FAULTLINE_TIMEOUT is not a faultline variable; did you mean FAULTLINE_TIMEOUT_MS?',
        suggestion: 'FAULTLINE_TIMEOUT_MS',
      },
    ]);
  });

  it('warns and still reports every wrong value when both happen', () => {
    const { code, stderr } = check({ FAULTLINE_TIMEOUT: '5000', FAULTLINE_LOG_LEVEL: 'loud' });
    assert.equal(code, 1);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /warning: FAULTLINE_TIMEOUT is not a faultline variable; did you mean/);
    assert.match(lines[1] ?? '', /^faultline check: FAULTLINE_LOG_LEVEL="loud" is not a known value/);
  });

  it('a wrong command line exits 2 with the usage and checks nothing; --help exits 0', () => {
    for (const args of [['check', '--jsn'], ['check', '--bogus'], ['check', 'extra'], ['chek'], []]) {
      const { code, stdout, stderr } = run(bin, { FAULTLINE_TIMEOUT_MS: '5000' }, ...args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '', 'no configuration printed');
      assert.match(stderr, /Usage: faultline check \[--json\]/);
    }
    assert.match(run(bin, {}, 'check', '--jsn').stderr, /--jsn/, 'the unknown option is named');
    for (const args of [['check', '--help'], ['--help'], ['-h'], ['help']]) {
      const { code, stdout } = run(bin, { FAULTLINE_TIMEOUT_MS: 'soon' }, ...args);
      assert.equal(code, 0, args.join(' '));
      assert.match(stdout, /^Usage: faultline check/);
    }
  });

  it('--json writes the report alone: nothing on stderr, warnings and problems inside', () => {
    const bad = check({ FAULTLINE_TIMEOUT: '5000', FAULTLINE_LOG_LEVEL: 'loud' }, '--json');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, '');
    const report = JSON.parse(bad.stdout) as JsonReport;
    assert.equal(report.warnings[0]?.variable, 'FAULTLINE_TIMEOUT');
    assert.equal(report.problems?.[0]?.variable, 'FAULTLINE_LOG_LEVEL');
    const good = check({ FAULTLINE_TIMEOUT: '5000' }, '--json');
    assert.equal(good.code, 0);
    assert.equal(good.stderr, '');
  });

  it('--version prints the package version, from the repository and from an installed layout', () => {
    for (const args of [['--version'], ['check', '--version']]) {
      const { code, stdout } = run(bin, {}, ...args);
      assert.equal(code, 0, args.join(' '));
      assert.equal(stdout, `${version}\n`);
    }
    // node_modules/faultline as npm lays it out: package.json beside dist/.
    const root = mkdtempSync(join(tmpdir(), 'faultline-installed-'));
    try {
      const installed = join(root, 'node_modules', 'faultline');
      cpSync(join(repo, 'dist', 'pkg'), join(installed, 'dist', 'pkg'), { recursive: true });
      cpSync(join(repo, 'package.json'), join(installed, 'package.json'));
      symlinkSync(join(repo, 'node_modules'), join(installed, 'node_modules'));
      const { code, stdout } = run(join(installed, 'dist', 'pkg', 'cli.js'), {}, '--version');
      assert.equal(code, 0);
      assert.equal(stdout, `${version}\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
