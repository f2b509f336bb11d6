import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseRateLimitReset,
  parseRetryAfter,
  parseWwwAuthenticate,
  retryAfterFromHeaders,
} from '../../../src/classification/index.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');

describe('Retry-After and the RateLimit family', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter(' 0 ', NOW), 0);
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', NOW), 30_000);
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', NOW), 0, 'a date in the past means now');
  });

  it('rejects garbage', () => {
    for (const value of ['', 'soon', '-5', '1e3', '12abc', '   ', undefined, null]) {
      assert.equal(parseRetryAfter(value as string, NOW), undefined, String(value));
    }
  });

  it('clamps huge values to the largest timer delay', () => {
    assert.equal(parseRetryAfter('99999999999999999999', NOW), 2_147_483_647);
  });

  it('reads RateLimit-Reset as seconds and X-RateLimit-Reset as an epoch', () => {
    assert.equal(parseRateLimitReset('15', NOW), 15_000);
    assert.equal(parseRateLimitReset(String(NOW / 1000 + 40), NOW), 40_000);
    assert.equal(parseRateLimitReset(String(NOW + 5000), NOW), 5000);
    assert.equal(retryAfterFromHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 9) }, NOW), 9000);
    assert.equal(retryAfterFromHeaders({ ratelimit: '"default";r=0;t=12' }, NOW), 12_000);
    assert.equal(retryAfterFromHeaders({ 'retry-after': '3', 'ratelimit-reset': '50' }, NOW), 3000, 'Retry-After wins');
    assert.equal(retryAfterFromHeaders({ 'x-ratelimit-reset-after': '1.5' }, NOW), 1500);
    assert.equal(retryAfterFromHeaders({}, NOW), undefined);
  });
});

describe('WWW-Authenticate', () => {
  it("parses httpbin's Basic challenge", () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Fake Realm"'), [
      { scheme: 'Basic', params: { realm: 'Fake Realm' } },
    ]);
  });

  it('parses several challenges, quoted commas and escapes', () => {
    assert.deepEqual(
      parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple, really"'),
      [
        { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
        { scheme: 'Basic', params: { realm: 'simple, really' } },
      ],
    );
  });

  it('parses token68 and bare schemes', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate YIIB3gYGKwYBBQUC==, Bearer'), [
      { scheme: 'Negotiate', params: {}, token68: 'YIIB3gYGKwYBBQUC==' },
      { scheme: 'Bearer', params: {} },
    ]);
  });

  it('keeps a "__proto__" parameter as a parameter', () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x"');
    assert.equal(Object.getPrototypeOf(challenge?.params), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(challenge?.params, '__proto__')?.value, 'x');
  });

  it('returns nothing for nothing', () => {
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(',,,'), []);
  });
});
