import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkClientOptions } from '../../../src/config/checkClientOptions.js';
import { checkRequestOptions } from '../../../src/config/checkRequestOptions.js';
import { ConfigError, createClient, retry, type ClientOptions } from '../../../src/index.js';

/** The ConfigError `fn` throws; fails on anything else (a bare TypeError above all). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('client options: one schema, checked at creation (finding 11)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['resilience: "x"', { resilience: 'x' }, 'resilience'],
    ['redact.headers: "authorization"', { redact: { headers: 'authorization' } }, 'redact.headers'],
    ['resilience: [{}]', { resilience: [{}] }, 'resilience[0]'],
    ['resilience: [retry]', { resilience: [retry] }, 'resilience[0]'],
    ['auth: {}', { auth: {} }, 'auth'],
    ['telemetry.logger: {}', { telemetry: { logger: {} } }, 'telemetry.logger'],
    ['clock: {}', { clock: {} }, 'clock'],
    ['telemetry.observers: "x"', { telemetry: { observers: 'x' } }, 'telemetry.observers'],
    ['telemetry.observers: [5]', { telemetry: { observers: [5] } }, 'telemetry.observers[0]'],
    ["telemetry.report.kinds: ['bogus']", { telemetry: { report: { kinds: ['bogus'] } } }, 'telemetry.report.kinds'],
    [
      'telemetry.report.capPerMinute: -1',
      { telemetry: { report: { capPerMinute: -1 } } },
      'telemetry.report.capPerMinute',
    ],
    ['telemetry.report: true', { telemetry: { report: true } }, 'telemetry.report'],
    ['transport.maxRedirects: 1.5', { transport: { maxRedirects: 1.5 } }, 'transport.maxRedirects'],
    ['transport.maxJsonBytes: -1', { transport: { maxJsonBytes: -1 } }, 'transport.maxJsonBytes'],
    ['timeout.totalMs: NaN', { timeout: { totalMs: Number.NaN } }, 'timeout.totalMs'],
    ['timeout.totalMs: 2**31', { timeout: { totalMs: 2 ** 31 } }, 'timeout.totalMs'],
    ['timeout.attemptMs: "5"', { timeout: { attemptMs: '5' } }, 'timeout.attemptMs'],
    ['timeout: 5000', { timeout: 5000 }, 'timeout'],
    [
      'telemetry.logSampling.initial: 0.5',
      { telemetry: { logSampling: { initial: 0.5 } } },
      'telemetry.logSampling.initial',
    ],
    ['telemetry.enabled: "no"', { telemetry: { enabled: 'no' } }, 'telemetry.enabled'],
    ['name: 5', { name: 5 }, 'name'],
    ['baseUrl: 5', { baseUrl: 5 }, 'baseUrl'],
    ['headers: "x"', { headers: 'x' }, 'headers'],
    ['headers with a bad name', { headers: { 'x a': '1' } }, 'headers'],
    ['headers with a NUL', { headers: [['x-a', 'a\u0000b']] }, 'headers'],
    ['resilience: [hedge options]', { resilience: [{ delayMs: 10 }] }, 'resilience[0]'],
    ['transport.dispatcher: {}', { transport: { dispatcher: {} } }, 'transport.dispatcher'],
    ['resilience: [5]', { resilience: [5] }, 'resilience[0]'],
    ['shared: "redis"', { shared: 'redis' }, 'shared'],
    ['env: { X: 5 }', { env: { FAULTLINE_TIMEOUT_MS: 5 } }, 'env.FAULTLINE_TIMEOUT_MS'],
    ['redact.query: [""]', { redact: { query: [''] } }, 'redact.query[0]'],
  ];
  for (const [label, options, variable] of cases) {
    it(`${label} is a ConfigError naming ${variable}`, () => {
      const error = configErrorOf(() => createClient({ env: {}, ...options } as ClientOptions));
      assert.equal(error.variable, variable);
      assert.ok(error.accepted.length > 0);
    });
  }

  it('every wrong option is named at once: the first, then the others', () => {
    const error = configErrorOf(() =>
      checkClientOptions({ resilience: 'x', transport: { maxRedirects: -1 }, clock: {} }),
    );
    assert.equal(error.variable, 'resilience');
    assert.deepEqual(
      error.others.map((other) => other.variable),
      ['transport.maxRedirects', 'clock'],
    );
  });

  it('a getter that throws is a ConfigError naming the option', () => {
    const options = Object.defineProperty({}, 'timeout', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.equal(configErrorOf(() => createClient(options)).variable, 'timeout');
    const throwing = {
      enumerable: true,
      get(): never {
        throw new Error('boom');
      },
    };
    const inner = { timeout: Object.defineProperty({}, 'totalMs', throwing) };
    assert.equal(configErrorOf(() => createClient({ env: {}, ...inner })).variable, 'timeout.totalMs');
  });

  it('a string where a strategy belongs is not echoed (it may be a credential)', () => {
    const error = configErrorOf(() => createClient({ env: {}, auth: 'Bearer sk_live_123' as never }));
    assert.ok(!error.message.includes('sk_live_123'));
  });

  it('good options pass, read once into a plain object', () => {
    const resilience = [retry()];
    const telemetry = { report: false, logSampling: { initial: 0 } } as const;
    const checked = checkClientOptions({ resilience, timeout: { totalMs: 0 }, telemetry, extra: 1 });
    assert.deepEqual(Object.keys(checked).sort(), ['resilience', 'telemetry', 'timeout']);
    assert.equal(checked.resilience, resilience);
    assert.equal(checked.telemetry, telemetry);
  });

  it('a logger with warn alone is enough with telemetry off, not with it on', () => {
    const logger = { warn: () => undefined } as never;
    createClient({ env: {}, telemetry: { enabled: false, logger } });
    assert.equal(configErrorOf(() => createClient({ env: {}, telemetry: { logger } })).variable, 'telemetry.logger');
  });

  it('an option of 0.1 is a ConfigError saying where it went in 0.2', () => {
    const moved: [Record<string, unknown>, RegExp][] = [
      [{ timeoutMs: 100 }, /timeout: \{ totalMs \}/],
      [{ attemptTimeoutMs: 100 }, /timeout: \{ attemptMs \}/],
      [{ retry: retry() }, /resilience: \[retry/],
      [{ hedge: {} }, /hedge\(/],
      [{ fallback: { value: 1 } }, /resilience: \[fallback/],
      [{ logger: console }, /telemetry: \{ logger \}/],
      [{ report: false }, /telemetry: \{ report \}/],
      [{ logSampling: false }, /telemetry: \{ logSampling \}/],
      [{ observers: [] }, /telemetry: \{ observers \}/],
      [{ spanHooks: {} }, /telemetry: \{ spanHooks \}/],
      [{ signals: false }, /telemetry: \{ enabled \}/],
      [{ redactHeaders: [] }, /redact: \{ headers \}/],
      [{ redactQuery: [] }, /redact: \{ query \}/],
      [{ dispatcher: {} }, /transport: \{ dispatcher \}/],
      [{ maxRedirects: 1 }, /transport: \{ maxRedirects \}/],
      [{ maxJsonBytes: 1 }, /transport: \{ maxJsonBytes \}/],
    ];
    for (const [options, where] of moved) {
      const [name] = Object.keys(options);
      const error = configErrorOf(() => createClient({ env: {}, ...options } as ClientOptions));
      assert.equal(error.variable, name);
      assert.match(error.problem, /moved in 0\.2/);
      assert.match(error.accepted, where, name);
    }
  });
});

describe('per-call options: the same schema, before anything is sent (finding 4)', () => {
  const bad: [Record<string, unknown> | unknown, string][] = [
    [{ timeout: { totalMs: Number.NaN } }, 'timeout.totalMs'],
    [{ timeout: { totalMs: -1 } }, 'timeout.totalMs'],
    [{ timeout: { attemptMs: 'abc' } }, 'timeout.attemptMs'],
    [{ timeout: 100 }, 'timeout'],
    [{ method: 5 }, 'method'],
    [{ method: 'GE T' }, 'method'],
    [{ headers: { 'x-a': 'a\nb' } }, 'headers'],
    [{ headers: [['x-a']] }, 'headers'],
    [{ body: {} }, 'body'],
    [{ body: 5 }, 'body'],
    [{ json: 1n }, 'json'],
    [{ resilience: {} }, 'resilience'],
    [{ resilience: ['x'] }, 'resilience[0]'],
    [{ resilience: [{ value: 1, on: ['bogus'] }] }, 'resilience[0]'],
    [{ idempotent: 'yes' }, 'idempotent'],
    [{ route: 5 }, 'route'],
    [{ throwHttpErrors: 0 }, 'throwHttpErrors'],
    [{ redirect: 'x' }, 'redirect'],
    [{ transport: { dispatcher: {} } }, 'transport.dispatcher'],
    [{ signal: 'x' }, 'signal'],
    // 0.1's call options: each a ConfigError saying where it went.
    [{ timeoutMs: 100 }, 'timeoutMs'],
    [{ attemptTimeoutMs: 100 }, 'attemptTimeoutMs'],
    [{ retry: {} }, 'retry'],
    [{ hedge: false }, 'hedge'],
    [{ fallback: false }, 'fallback'],
    [{ dispatcher: {} }, 'dispatcher'],
    ['init', 'init'],
  ];
  for (const [init, variable] of bad) {
    it(`${JSON.stringify(init, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} names ${variable}`, () => {
      assert.equal(configErrorOf(() => checkRequestOptions(init)).variable, variable);
    });
  }

  it('good and unknown keys pass: RequestInit members faultline ignores, undefined for left out', () => {
    for (const init of [
      undefined,
      {},
      { timeout: { totalMs: 0, attemptMs: 2_147_483_647 }, method: 'PATCH', headers: new Headers({ a: '1' }) },
      { headers: [['x-a', '1']], body: new Uint8Array(1), redirect: 'manual', resilience: [] },
      { cache: 'no-store', mode: 'cors', credentials: 'omit', keepalive: true, signal: null, resilience: undefined },
      { resilience: [retry()], transport: { dispatcher: undefined }, timeout: {} },
      { json: { a: [1, 'b', null] }, idempotent: true, route: '/v1/{id}', throwHttpErrors: false },
    ])
      checkRequestOptions(init);
  });

  it('a class instance is checked through its prototype getters too', () => {
    class Init {
      get timeout(): { totalMs: number } {
        return { totalMs: Number.NaN };
      }
    }
    assert.equal(configErrorOf(() => checkRequestOptions(new Init())).variable, 'timeout.totalMs');
  });
});
