import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, createClient } from '../../../src/index.js';
import { checkEnvConfig, FAULTLINE_VARIABLES, readEnvConfig } from '../../../src/config/envConfig.js';
import { effectiveConfig } from '../../../src/config/effectiveConfig.js';
import { defaultResilience, describeResilience } from '../../../src/config/defaultResilience.js';
import { unknownVariables } from '../../../src/config/unknownVariables.js';
import { editDistance } from '../../../src/core/editDistance.js';
import { NUM_RUNS } from '../../helpers/propertyRuns.js';

describe('configuration from the environment', () => {
  it('reads every FAULTLINE_* variable', () => {
    const config = readEnvConfig({
      FAULTLINE_TIMEOUT_MS: '5000',
      FAULTLINE_ATTEMPT_TIMEOUT_MS: '1000',
      FAULTLINE_RETRY_MAX_ATTEMPTS: '4',
      FAULTLINE_RETRY_BASE_DELAY_MS: '50',
      FAULTLINE_RETRY_MAX_DELAY_MS: '2000',
      FAULTLINE_RETRY_MAX_RETRY_AFTER_MS: '30000',
      FAULTLINE_REPORT_KINDS: 'server, timeout,network',
      FAULTLINE_REPORT_CAP_PER_MINUTE: '5',
      FAULTLINE_REDACT_HEADERS: 'X-Tenant-Secret',
      FAULTLINE_REDACT_QUERY: 'otp',
      FAULTLINE_LOG_LEVEL: 'debug',
      FAULTLINE_LOG_FORMAT: 'pretty',
      FAULTLINE_LOG_SAMPLE_INITIAL: '20',
      FAULTLINE_LOG_SAMPLE_THEREAFTER: '0',
      FAULTLINE_PROXY: 'off',
    });
    assert.deepEqual(config, {
      timeoutMs: 5000,
      attemptTimeoutMs: 1000,
      retryMaxAttempts: 4,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 2000,
      retryMaxRetryAfterMs: 30000,
      reportKinds: ['server', 'timeout', 'network'],
      reportCapPerMinute: 5,
      redactHeaders: ['x-tenant-secret'],
      redactQuery: ['otp'],
      logLevel: 'debug',
      logFormat: 'pretty',
      logSampleInitial: 20,
      logSampleThereafter: 0,
      proxy: false,
    });
  });

  it('names the variable, the problem and what is accepted', () => {
    const cases: [string, string, RegExp][] = [
      ['FAULTLINE_TIMEOUT_MS', 'soon', /FAULTLINE_TIMEOUT_MS="soon" is not a number; expected a whole number from 0/],
      ['FAULTLINE_TIMEOUT_MS', '-1', /FAULTLINE_TIMEOUT_MS="-1" is not a whole number/],
      [
        'FAULTLINE_RETRY_MAX_ATTEMPTS',
        '0',
        /FAULTLINE_RETRY_MAX_ATTEMPTS="0" is out of range; expected a whole number from 1 to 100/,
      ],
      [
        'FAULTLINE_REPORT_KINDS',
        'server,oops',
        /unknown kind "oops"; expected a comma list of unauthorized, forbidden/,
      ],
      ['FAULTLINE_LOG_FORMAT', 'xml', /expected one of json, pretty/],
      ['FAULTLINE_LOG_LEVEL', 'loud', /expected one of error, warn, info/],
      ['FAULTLINE_REDACT_HEADERS', 'bad header', /invalid name "bad header"/],
      [
        'FAULTLINE_LOG_SAMPLE_INITIAL',
        '-5',
        /FAULTLINE_LOG_SAMPLE_INITIAL="-5" is not a whole number in range; expected a whole number from 0 to 1000000/,
      ],
      ['FAULTLINE_LOG_SAMPLE_THEREAFTER', 'many', /FAULTLINE_LOG_SAMPLE_THEREAFTER="many" is not a number/],
      ['FAULTLINE_LOG_SAMPLE_THEREAFTER', '1000001', /is out of range; expected a whole number from 0 to 1000000/],
      ['FAULTLINE_PROXY', 'sometimes', /FAULTLINE_PROXY="sometimes" is not a known value; expected one of on, off/],
      ['FAULTLINE_REDIS_URL', 'http://cache:6379', /FAULTLINE_REDIS_URL="http:\/\/cache:6379" is not a Redis URL/],
      ['FAULTLINE_REDIS_URL', 'redis://:hunter2@', /FAULTLINE_REDIS_URL="redis:\/\/\*\*\*\*@" is not a Redis URL/],
      ['FAULTLINE_REDIS_PREFIX', 'my app:', /FAULTLINE_REDIS_PREFIX="my app:" is not a key prefix/],
    ];
    for (const [variable, value, message] of cases) {
      assert.throws(
        () => readEnvConfig({ [variable]: value }),
        (error) => error instanceof ConfigError && error.variable === variable && message.test(error.message),
        `${variable}=${value}`,
      );
    }
  });

  it('the proxy variables: lower case first, scheme-less means http, FAULTLINE_PROXY=off ignores them', () => {
    assert.deepEqual(
      readEnvConfig({
        https_proxy: 'user:p%40ss@proxy.internal:3128',
        HTTPS_PROXY: 'http://other:1',
        HTTP_PROXY: 'http://proxy.internal:3128',
        NO_PROXY: '.internal, localhost',
      }).proxySettings,
      {
        httpProxy: 'http://proxy.internal:3128/',
        httpsProxy: 'http://user:p%40ss@proxy.internal:3128/',
        noProxy: '.internal, localhost',
      },
    );
    assert.equal(readEnvConfig({ NO_PROXY: '*' }).proxySettings, undefined);
    assert.equal(readEnvConfig({ http_proxy: '', HTTP_PROXY: 'http://proxy:1' }).proxySettings, undefined);
    assert.deepEqual(readEnvConfig({ FAULTLINE_PROXY: 'OFF', HTTP_PROXY: 'http://proxy:1' }), { proxy: false });
    assert.equal(
      readEnvConfig({ FAULTLINE_PROXY: 'on', HTTP_PROXY: 'proxy:1' }).proxySettings?.httpProxy,
      'http://proxy:1/',
    );
  });

  it('a proxy variable undici cannot use is a ConfigError naming it, credentials masked', () => {
    for (const [variable, value] of [
      ['HTTP_PROXY', 'http://user:s3cret-pw@proxy:port'],
      ['https_proxy', 'ftp://user:s3cret-pw@proxy:21'],
    ] as const) {
      assert.throws(
        () => readEnvConfig({ [variable]: value }),
        (error) =>
          error instanceof ConfigError &&
          error.variable === variable &&
          error.message.includes('REDACTED@proxy') &&
          !error.message.includes('s3cret-pw') &&
          /expected a proxy URL/.test(error.message),
      );
    }
    assert.doesNotThrow(() => readEnvConfig({ FAULTLINE_PROXY: 'false', HTTP_PROXY: 'http://user:pw@proxy:port' }));
  });

  it("LOG_LEVEL is the application's: aliases map, unknown values are ignored", () => {
    assert.equal(readEnvConfig({ LOG_LEVEL: 'WARNING' }).logLevel, 'warn');
    assert.equal(readEnvConfig({ LOG_LEVEL: 'shout' }).logLevel, undefined);
    assert.equal(readEnvConfig({ LOG_LEVEL: 'debug', FAULTLINE_LOG_LEVEL: 'error' }).logLevel, 'error');
  });

  it('createClient validates its environment, and code options win', () => {
    assert.throws(() => createClient({ env: { FAULTLINE_ATTEMPT_TIMEOUT_MS: '1.5' } }), ConfigError);
    assert.throws(
      () => createClient({ baseUrl: 'not a url', env: {} }),
      (error) => error instanceof ConfigError && error.variable === 'baseUrl',
    );
    assert.doesNotThrow(() => createClient({ timeout: { totalMs: 100 }, env: { FAULTLINE_TIMEOUT_MS: '5' } }));
  });

  it('FAULTLINE_RETRY_* build the default list: retry from them, then the throttle', () => {
    const list = defaultResilience(
      readEnvConfig({
        FAULTLINE_RETRY_MAX_ATTEMPTS: '4',
        FAULTLINE_RETRY_BASE_DELAY_MS: '50',
        FAULTLINE_RETRY_MAX_DELAY_MS: '2000',
        FAULTLINE_RETRY_MAX_RETRY_AFTER_MS: '30000',
      }),
    );
    assert.deepEqual(
      list.map((policy) => policy.name),
      ['retry', 'throttle'],
    );
    assert.equal(
      describeResilience(list),
      'retry(maxAttempts=4, baseDelayMs=50, maxDelayMs=2000, jitter=full, retryOn=throttled|timeout|network|server, maxRetryAfterMs=30000) → throttle()',
    );
    assert.match(describeResilience(defaultResilience(readEnvConfig({}))), /^retry\(maxAttempts=3, baseDelayMs=200,/);
  });

  it('every FAULTLINE_* variable: arbitrary values parse or fail with a ConfigError naming it', () => {
    const names = Object.keys(FAULTLINE_VARIABLES);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.integer().map(String)),
        (name, value) => {
          try {
            readEnvConfig({ [name]: value });
          } catch (error) {
            assert.ok(error instanceof ConfigError, String(error));
            assert.equal(error.variable, name);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('several wrong values: the error names the first and its message lists every one', () => {
    const env = { FAULTLINE_RETRY_MAX_ATTEMPTS: '0', FAULTLINE_TIMEOUT_MS: 'soon', FAULTLINE_LOG_FORMAT: 'xml' };
    assert.throws(
      () => readEnvConfig(env),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, 'FAULTLINE_TIMEOUT_MS');
        assert.equal(error.problem, 'is not a number');
        assert.deepEqual(
          error.others.map((other) => other.variable),
          ['FAULTLINE_RETRY_MAX_ATTEMPTS', 'FAULTLINE_LOG_FORMAT'],
        );
        assert.equal(
          error.message,
          [
            'FAULTLINE_TIMEOUT_MS="soon" is not a number; expected a whole number from 0 to 2147483647',
            'also FAULTLINE_RETRY_MAX_ATTEMPTS="0" is out of range; expected a whole number from 1 to 100',
            'also FAULTLINE_LOG_FORMAT="xml" is not a known value; expected one of json, pretty',
          ].join('\n'),
        );
        return true;
      },
    );
    const { config, problems } = checkEnvConfig({ ...env, FAULTLINE_ATTEMPT_TIMEOUT_MS: '1000' });
    assert.equal(problems.length, 3);
    assert.deepEqual(config, { attemptTimeoutMs: 1000 }, 'the valid values are still read');
    assert.throws(
      () => readEnvConfig({ FAULTLINE_LOG_LEVEL: 'loud' }),
      (error) => error instanceof ConfigError && error.others.length === 0 && !error.message.includes('\n'),
    );
    // A Redis URL's password stays masked whether its error comes first or among others.
    for (const extra of [{}, { FAULTLINE_TIMEOUT_MS: 'soon' }, { FAULTLINE_REDIS_PREFIX: 'has spaces' }]) {
      assert.throws(
        () => readEnvConfig({ FAULTLINE_REDIS_URL: 'redis://admin:hunter2@', ...extra }),
        (error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /FAULTLINE_REDIS_URL="redis:\/\/\*\*\*\*@" is not a Redis URL/);
          assert.doesNotMatch(error.message, /hunter2/);
          assert.doesNotMatch(JSON.stringify(error.value), /hunter2/);
          return true;
        },
      );
    }
  });

  it('unknown FAULTLINE_* names come with the nearest known one', () => {
    const found = unknownVariables({
      FAULTLINE_TIMEOUT: '5000',
      FAULTLINE_TIEMOUT_MS: '5000',
      faultline_log_level: 'debug',
      FAULTLNE_REPORT_KINDS: 'server',
      FAULTLINE_SOMETHING_ELSE: '1',
      FAULTLINE_LOG_SAMPLE_INITIAL: '100',
      FAULTLINE_REDIS_URL: 'redis://127.0.0.1:6379',
      FAULTLINE_LOG_LEVEL: 'debug',
      LOG_LEVEL: 'debug',
      HOME: '/root',
    });
    assert.deepEqual(
      found.map((u) => [u.name, u.suggestion ?? 'none']),
      [
        ['FAULTLINE_SOMETHING_ELSE', 'none'],
        ['FAULTLINE_TIEMOUT_MS', 'FAULTLINE_TIMEOUT_MS'],
        ['FAULTLINE_TIMEOUT', 'FAULTLINE_TIMEOUT_MS'],
        ['FAULTLNE_REPORT_KINDS', 'FAULTLINE_REPORT_KINDS'],
        ['faultline_log_level', 'FAULTLINE_LOG_LEVEL'],
      ],
    );
    assert.equal(
      found.find((u) => u.name === 'FAULTLINE_TIMEOUT')?.message,
      'FAULTLINE_TIMEOUT is not a faultline variable; did you mean FAULTLINE_TIMEOUT_MS?',
    );
  });

  it('the effective configuration shows log sampling, and off when FAULTLINE_LOG_SAMPLE_INITIAL is 0', () => {
    const sampling = (env: Record<string, string>) =>
      effectiveConfig(env).filter((setting) => setting.name.startsWith('FAULTLINE_LOG_SAMPLE_'));
    assert.deepEqual(sampling({}), [
      { name: 'FAULTLINE_LOG_SAMPLE_INITIAL', value: '100', source: 'default' },
      { name: 'FAULTLINE_LOG_SAMPLE_THEREAFTER', value: '100', source: 'default' },
    ]);
    assert.deepEqual(sampling({ FAULTLINE_LOG_SAMPLE_INITIAL: '0', FAULTLINE_LOG_SAMPLE_THEREAFTER: '10' }), [
      { name: 'FAULTLINE_LOG_SAMPLE_INITIAL', value: 'off', source: 'environment' },
      { name: 'FAULTLINE_LOG_SAMPLE_THEREAFTER', value: '10', source: 'environment' },
    ]);
  });

  it('edit distance counts a swap of neighbours as one edit', () => {
    assert.equal(editDistance('TIMEOUT', 'TIMEOUT'), 0);
    assert.equal(editDistance('TIEMOUT', 'TIMEOUT'), 1);
    assert.equal(editDistance('TIMEOUT', 'TIMEOUT_MS'), 3);
    assert.equal(editDistance('', 'ABC'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});
