import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import axios from 'axios';
import got from 'got';
import { request } from 'undici';
import { closedPort, type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { classify } from '../../../src/classification/index.js';

/** The value a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('classify() on errors thrown by real clients', () => {
  let server: FaultServer;
  let refused: string;
  before(async () => {
    server = await startFaultServer();
    server.script('/hang', { fault: 'hang' });
    server.script('/throttle', { status: 429, headers: { 'retry-after': '30' } });
    refused = `http://127.0.0.1:${await closedPort()}/x`;
  });
  after(() => server.close());

  it('fetch: refused connection (TypeError with cause) is network/connect', async () => {
    const failure = classify(await rejection(fetch(refused)));
    assert.equal(failure?.kind, 'network');
    assert.equal(failure?.code, 'ECONNREFUSED');
    assert.equal(failure?.phase, 'connect');
  });

  it('fetch: AbortSignal.timeout is timeout/total; a plain abort is cancelled', async () => {
    const timedOut = classify(await rejection(fetch(`${server.url}/hang`, { signal: AbortSignal.timeout(30) })));
    assert.deepEqual([timedOut?.kind, timedOut?.code, timedOut?.phase], ['timeout', 'TimeoutError', 'total']);
    const controller = new AbortController();
    const pending = fetch(`${server.url}/hang`, { signal: controller.signal });
    setImmediate(() => controller.abort());
    const cancelled = classify(await rejection(pending));
    assert.deepEqual([cancelled?.kind, cancelled?.code], ['cancelled', 'AbortError']);
  });

  it('fetch: a Response is classified by status, with Retry-After', async () => {
    const failure = classify(await fetch(`${server.url}/throttle`));
    assert.deepEqual(
      [failure?.kind, failure?.code, failure?.status, failure?.retryAfterMs],
      ['throttled', '429', 429, 30_000],
    );
    assert.equal(classify(await fetch(`${server.url}/ok`)), null);
  });

  it('undici: headers timeout keeps its code and phase', async () => {
    const failure = classify(await rejection(request(`${server.url}/hang`, { headersTimeout: 30 })));
    assert.deepEqual([failure?.kind, failure?.code, failure?.phase], ['timeout', 'UND_ERR_HEADERS_TIMEOUT', 'headers']);
  });

  it('node:http: a system error keeps its code', async () => {
    const error = await new Promise<unknown>((resolve) => http.get(refused).on('error', resolve));
    assert.deepEqual([classify(error)?.kind, classify(error)?.code], ['network', 'ECONNREFUSED']);
  });

  it('axios: status errors, timeouts and refused connections', async () => {
    const status = classify(await rejection(axios.get(`${server.url}/status/503`)));
    assert.deepEqual([status?.kind, status?.code, status?.status], ['server', '503', 503]);
    const throttled = classify(await rejection(axios.get(`${server.url}/throttle`)));
    assert.deepEqual([throttled?.kind, throttled?.retryAfterMs], ['throttled', 30_000]);
    const timeout = classify(await rejection(axios.get(`${server.url}/hang`, { timeout: 30 })));
    assert.equal(timeout?.kind, 'timeout');
    const net = classify(await rejection(axios.get(refused)));
    assert.deepEqual([net?.kind, net?.code], ['network', 'ECONNREFUSED']);
  });

  it('got: HTTPError, TimeoutError with its event, RequestError', async () => {
    const status = classify(await rejection(got(`${server.url}/status/404`, { retry: { limit: 0 } })));
    assert.deepEqual([status?.kind, status?.code], ['client', '404']);
    const timeout = classify(
      await rejection(got(`${server.url}/hang`, { retry: { limit: 0 }, timeout: { request: 30 } })),
    );
    assert.deepEqual([timeout?.kind, timeout?.phase], ['timeout', 'total']);
    const net = classify(await rejection(got(refused, { retry: { limit: 0 } })));
    assert.deepEqual([net?.kind, net?.code], ['network', 'ECONNREFUSED']);
  });
});

describe('classify() on values', () => {
  it('maps statuses to kinds', () => {
    const kinds = Object.fromEntries(
      [200, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504].map((status) => [
        status,
        classify({ status })?.kind ?? null,
      ]),
    );
    assert.deepEqual(kinds, {
      200: null,
      301: null,
      400: 'client',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'client',
      408: 'timeout',
      409: 'client',
      422: 'client',
      429: 'throttled',
      500: 'server',
      501: 'server',
      502: 'server',
      503: 'server',
      504: 'timeout',
    });
  });

  it('503 with Retry-After in any header shape is throttled', () => {
    const shapes = [
      new Headers({ 'Retry-After': '5' }),
      { 'Retry-After': '5' },
      { 'retry-after': ['5'] },
      [['Retry-After', '5']] as [string, string][],
      new Map([['retry-after', '5']]),
    ];
    for (const headers of shapes) {
      const failure = classify({ status: 503, headers });
      assert.deepEqual(
        [failure?.kind, failure?.retryAfterMs],
        ['throttled', 5000],
        JSON.stringify([...Object.entries(headers)]),
      );
    }
  });

  it('JSON SyntaxError is invalid_response; strings and null are network', () => {
    let syntax: unknown;
    try {
      JSON.parse('{');
    } catch (error) {
      syntax = error;
    }
    assert.equal(classify(syntax)?.kind, 'invalid_response');
    assert.equal(classify('boom')?.kind, 'network');
    assert.equal(classify(null)?.kind, 'network');
  });

  it('survives hostile objects', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
        has() {
          throw new Error('no');
        },
      },
    );
    assert.equal(classify(hostile)?.kind, 'network');
    const cyclic: Record<string, unknown> = { message: 'loop' };
    cyclic['cause'] = cyclic;
    assert.equal(classify(cyclic)?.kind, 'network');
    assert.equal(classify({ status: Number.NaN })?.kind, 'invalid_response');
    assert.equal(classify({ status: 999 })?.kind, 'invalid_response');
  });
});
