// The kit's assertions in the failure vocabulary, over the shapes each signal has: a Sentry
// event (tags + fingerprint), a log line, a span's attributes, a RequestFailure.
import assert, { AssertionError } from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerError, ThrottledError } from '../../../src/index.js';
import {
  expectCallFailure,
  expectFailure,
  expectFailures,
  expectNoFailure,
  failuresIn,
} from '../../../src/testing/index.js';

const event = {
  event_id: 'e1',
  level: 'warning',
  tags: {
    'faultline.failure.kind': 'throttled',
    'faultline.upstream': 'payments',
    'http.status_code': '429',
    'http.method': 'GET',
  },
  fingerprint: ['faultline', 'payments', 'GET', '/v1/rates', 'throttled'],
};
const line = {
  level: 'error',
  message: 'GET payments failed: server',
  'faultline.failure.kind': 'server',
  'faultline.upstream': 'ledger',
  'http.response.status_code': 503,
  'error.type': '503',
  'http.request.method': 'POST',
  'faultline.route': '/v1/ledger',
};
const span = {
  name: 'GET',
  attributes: {
    'faultline.failure.kind': 'timeout',
    'faultline.upstream': 'reports',
    'error.type': 'UND_ERR_HEADERS_TIMEOUT',
  },
  spanContext: () => ({ traceId: 't', spanId: 's' }),
};
const success = { level: 'debug', message: 'ok', 'http.response.status_code': 200, 'faultline.upstream': 'ledger' };

describe('failuresIn()', () => {
  it('reads a Sentry event by the stable keys, an unknown method by its own name, and older events too', () => {
    const stable = {
      event_id: 'e2',
      level: 'error',
      tags: {
        'faultline.failure.kind': 'server',
        'faultline.upstream': 'cdn',
        'http.request.method': '_OTHER',
        'http.request.method_original': 'PURGE',
        'http.response.status_code': '502',
      },
      fingerprint: ['faultline', 'cdn', 'PURGE', '/cache/{key}', 'server'],
    };
    const purgeLine = { ...line, 'http.request.method': '_OTHER', 'http.request.method_original': 'PURGE' };
    const told = failuresIn([stable, event, purgeLine]);
    assert.deepEqual(
      told.map(({ status, method }) => ({ status, method })),
      [
        { status: 502, method: 'PURGE' },
        { status: 429, method: 'GET' },
        { status: 503, method: 'PURGE' },
      ],
    );
  });

  it('reads every signal in the vocabulary and skips what tells no failure', () => {
    const told = failuresIn([event, line, span, success, 'noise', null]);
    assert.deepEqual(
      told.map(({ source: _source, ...rest }) => rest),
      [
        {
          signal: 'sentry',
          kind: 'throttled',
          upstream: 'payments',
          status: 429,
          method: 'GET',
          route: '/v1/rates',
          level: 'warning',
        },
        {
          signal: 'log',
          kind: 'server',
          upstream: 'ledger',
          status: 503,
          code: '503',
          method: 'POST',
          route: '/v1/ledger',
          level: 'error',
        },
        { signal: 'span', kind: 'timeout', upstream: 'reports', code: 'UND_ERR_HEADERS_TIMEOUT' },
      ],
    );
    assert.equal(told[0]?.source, event);
  });

  it('ignores a kind outside the vocabulary', () => {
    assert.deepEqual(failuresIn([{ level: 'warn', 'faultline.failure.kind': 'meltdown' }]), []);
  });
});

describe('expectFailure()', () => {
  it('returns the failure that matches every field given', () => {
    assert.equal(expectFailure([line, event], { kind: 'throttled', upstream: 'payments', status: 429 }).source, event);
    assert.equal(expectFailure([line, event], { route: '/v1/ledger', level: 'error' }).source, line);
  });

  it('throws an AssertionError that lists what was told and where it differs', () => {
    assert.throws(
      () => expectFailure([event, line], { kind: 'throttled', upstream: 'ledger' }),
      (error: unknown) => {
        assert.ok(error instanceof AssertionError);
        assert.equal(error.operator, 'expectFailure');
        assert.deepEqual(error.expected, { kind: 'throttled', upstream: 'ledger' });
        assert.equal((error.actual as unknown[]).length, 2);
        assert.match(
          error.message,
          /expected a failure matching \{ kind: "throttled", upstream: "ledger" \}, but 2 told/,
        );
        assert.match(
          error.message,
          /- \{ signal: "sentry", kind: "throttled", upstream: "payments".*\(differs in upstream\)/,
        );
        assert.match(error.message, /- \{ signal: "log", kind: "server", upstream: "ledger".*\(differs in kind\)/);
        return true;
      },
    );
    assert.throws(() => expectFailure([success], { kind: 'server' }), /but none was told/);
  });
});

describe('expectFailures() and expectNoFailure()', () => {
  it('count the matches exactly', () => {
    assert.equal(expectFailures([line, line, event], { kind: 'server' }, 2).length, 2);
    assert.throws(() => expectFailures([line, event], { kind: 'server' }, 2), /expected 2 failure\(s\) .* found 1/);
  });

  it('pass with no match, throw with one', () => {
    expectNoFailure([success]);
    expectNoFailure([line], { kind: 'throttled' });
    assert.throws(
      () => expectNoFailure([success, line]),
      (error: unknown) => error instanceof AssertionError && /1 told/.test(error.message),
    );
  });
});

describe('expectCallFailure()', () => {
  const failure = (): ThrottledError =>
    new ThrottledError({
      failure: { kind: 'throttled', code: '429', status: 429, message: 'throttled' },
      method: 'GET',
      url: 'http://x/y',
      attempts: 2,
    });

  it('returns the RequestFailure of a call that failed as expected', async () => {
    const error = failure();
    assert.equal(await expectCallFailure(Promise.reject(error), { kind: 'throttled', status: 429 }), error);
    assert.equal(await expectCallFailure(() => Promise.reject(error)), error);
  });

  it('throws when the call succeeds, fails otherwise, or fails with something else', async () => {
    await assert.rejects(expectCallFailure(Promise.resolve('fine'), { kind: 'throttled' }), /it resolved with fine/);
    await assert.rejects(
      expectCallFailure(Promise.reject(failure()), { kind: 'server' }),
      /failed with \{ signal: "error", kind: "throttled".*\(differs in kind\)/,
    );
    await assert.rejects(
      expectCallFailure(Promise.reject(new Error('boom'))),
      /expected a RequestFailure, got Error: boom/,
    );
    const server = new ServerError({
      failure: { kind: 'server', code: '503', status: 503, message: 's' },
      method: 'GET',
      url: 'http://x/y',
      attempts: 1,
    });
    await expectCallFailure(Promise.reject(server), { kind: 'server', code: '503' });
  });
});
