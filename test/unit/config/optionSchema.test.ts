import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkClientOptions } from '../../../src/config/checkClientOptions.js';
import { checkRequestOptions } from '../../../src/config/checkRequestOptions.js';
import { ConfigError, createClient, exponentialBackoff, type ClientOptions } from '../../../src/index.js';

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
    ['retry: "x"', { retry: 'x' }, 'retry'],
    ['redactHeaders: "authorization"', { redactHeaders: 'authorization' }, 'redactHeaders'],
    ['retry: {}', { retry: {} }, 'retry'],
    ['auth: {}', { auth: {} }, 'auth'],
    ['logger: {}', { logger: {} }, 'logger'],
    ['clock: {}', { clock: {} }, 'clock'],
    ['observers: "x"', { observers: 'x' }, 'observers'],
    ['observers: [5]', { observers: [5] }, 'observers[0]'],
    ["report.kinds: ['bogus']", { report: { kinds: ['bogus'] } }, 'report.kinds'],
    ['report.capPerMinute: -1', { report: { capPerMinute: -1 } }, 'report.capPerMinute'],
    ['report: true', { report: true }, 'report'],
    ['maxRedirects: 1.5', { maxRedirects: 1.5 }, 'maxRedirects'],
    ['maxJsonBytes: -1', { maxJsonBytes: -1 }, 'maxJsonBytes'],
    ['timeoutMs: NaN', { timeoutMs: Number.NaN }, 'timeoutMs'],
    ['timeoutMs: 2**31', { timeoutMs: 2 ** 31 }, 'timeoutMs'],
    ['attemptTimeoutMs: "5"', { attemptTimeoutMs: '5' }, 'attemptTimeoutMs'],
    ['logSampling.initial: 0.5', { logSampling: { initial: 0.5 } }, 'logSampling.initial'],
    ['signals: "no"', { signals: 'no' }, 'signals'],
    ['name: 5', { name: 5 }, 'name'],
    ['baseUrl: 5', { baseUrl: 5 }, 'baseUrl'],
    ['headers: "x"', { headers: 'x' }, 'headers'],
    ['headers with a bad name', { headers: { 'x a': '1' } }, 'headers'],
    ['headers with a NUL', { headers: [['x-a', 'a\u0000b']] }, 'headers'],
    ['hedge: {}', { hedge: {} }, 'hedge'],
    ['dispatcher: {}', { dispatcher: {} }, 'dispatcher'],
    ['fallback: 5', { fallback: 5 }, 'fallback'],
    ['shared: "redis"', { shared: 'redis' }, 'shared'],
    ['env: { X: 5 }', { env: { FAULTLINE_TIMEOUT_MS: 5 } }, 'env.FAULTLINE_TIMEOUT_MS'],
    ['redactQuery: [""]', { redactQuery: [''] }, 'redactQuery[0]'],
  ];
  for (const [label, options, variable] of cases) {
    it(`${label} is a ConfigError naming ${variable}`, () => {
      const error = configErrorOf(() => createClient({ env: {}, ...options } as ClientOptions));
      assert.equal(error.variable, variable);
      assert.ok(error.accepted.length > 0);
    });
  }

  it('every wrong option is named at once: the first, then the others', () => {
    const error = configErrorOf(() => checkClientOptions({ retry: 'x', maxRedirects: -1, clock: {} }));
    assert.equal(error.variable, 'retry');
    assert.deepEqual(
      error.others.map((other) => other.variable),
      ['maxRedirects', 'clock'],
    );
  });

  it('a getter that throws is a ConfigError naming the option', () => {
    const options = Object.defineProperty({}, 'timeoutMs', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.equal(configErrorOf(() => createClient(options)).variable, 'timeoutMs');
  });

  it('a string where a strategy belongs is not echoed (it may be a credential)', () => {
    const error = configErrorOf(() => createClient({ env: {}, auth: 'Bearer sk_live_123' as never }));
    assert.ok(!error.message.includes('sk_live_123'));
  });

  it('good options pass, read once into a plain object', () => {
    const retry = exponentialBackoff();
    const checked = checkClientOptions({ retry, timeoutMs: 0, report: false, logSampling: { initial: 0 }, extra: 1 });
    assert.deepEqual(Object.keys(checked).sort(), ['logSampling', 'report', 'retry', 'timeoutMs']);
    assert.equal(checked.retry, retry);
  });

  it('a logger with warn alone is enough with signals off, not with them on', () => {
    const logger = { warn: () => undefined } as never;
    createClient({ env: {}, signals: false, logger });
    assert.equal(configErrorOf(() => createClient({ env: {}, logger })).variable, 'logger');
  });
});

describe('per-call options: the same schema, before anything is sent (finding 4)', () => {
  const bad: [Record<string, unknown> | unknown, string][] = [
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ attemptTimeoutMs: 'abc' }, 'attemptTimeoutMs'],
    [{ method: 5 }, 'method'],
    [{ method: 'GE T' }, 'method'],
    [{ headers: { 'x-a': 'a\nb' } }, 'headers'],
    [{ headers: [['x-a']] }, 'headers'],
    [{ body: {} }, 'body'],
    [{ body: 5 }, 'body'],
    [{ json: 1n }, 'json'],
    [{ retry: {} }, 'retry'],
    [{ hedge: 'x' }, 'hedge'],
    [{ fallback: 5 }, 'fallback'],
    [{ fallback: { value: 1, on: ['bogus'] } }, 'fallback.on'],
    [{ idempotent: 'yes' }, 'idempotent'],
    [{ route: 5 }, 'route'],
    [{ throwHttpErrors: 0 }, 'throwHttpErrors'],
    [{ redirect: 'x' }, 'redirect'],
    [{ dispatcher: {} }, 'dispatcher'],
    [{ signal: 'x' }, 'signal'],
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
      { timeoutMs: 0, attemptTimeoutMs: 2_147_483_647, method: 'PATCH', headers: new Headers({ a: '1' }) },
      { headers: [['x-a', '1']], body: new Uint8Array(1), redirect: 'manual', hedge: false, fallback: false },
      { cache: 'no-store', mode: 'cors', credentials: 'omit', keepalive: true, signal: null, fallback: undefined },
      { json: { a: [1, 'b', null] }, idempotent: true, route: '/v1/{id}', throwHttpErrors: false },
    ])
      checkRequestOptions(init);
  });

  it('a class instance is checked through its prototype getters too', () => {
    class Init {
      get timeoutMs(): number {
        return Number.NaN;
      }
    }
    assert.equal(configErrorOf(() => checkRequestOptions(new Init())).variable, 'timeoutMs');
  });
});
