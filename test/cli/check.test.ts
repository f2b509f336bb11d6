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
