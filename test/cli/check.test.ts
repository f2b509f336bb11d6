import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../src/cli/faultline.js', import.meta.url));

function check(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'check', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
});
