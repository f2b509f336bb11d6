import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FaultServer } from '../../../src/testing/index.js';
import {
  ClientError,
  ForbiddenError,
  retry,
  ServerError,
  throttle,
  ThrottledError,
  TimeoutError,
  UnauthorizedError,
  type ClientOptions,
} from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { failureOf } from '../../helpers/failureOf.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('every HTTP status class, told and retried as the SPEC says', () => {
  const upstream = useFlakyUpstream();
  const client = (options?: ClientOptions) => upstream.client(options);
  let server: FaultServer;
  before(() => {
    server = upstream.server;
  });

  it('returns the Response on success and parses json()', async () => {
    server.script('/charge', { status: 200, body: '{"id":42}' });
    const c = client();
    const res = await c.get('/charge');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 42 });
    assert.deepEqual(await c.json('/charge'), { id: 42 });
    assert.equal(server.hits('/charge'), 2);
  });

  it('401 is unauthorized with the parsed WWW-Authenticate challenge, not retried', async () => {
    server.script('/private', {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' },
    });
    const error = await failureOf(() => client().get('/private'));
    assert.ok(error instanceof UnauthorizedError);
    assert.equal(error.name, 'UnauthorizedError');
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.code, '401');
    assert.equal(error.status, 401);
    assert.equal(error.attempts, 1);
    assert.deepEqual(error.challenges, [{ scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token' } }]);
    assert.equal(server.hits('/private'), 1);
  });

  it('403 is forbidden, not retried', async () => {
    server.script('/forbidden', { status: 403 });
    const error = await failureOf(() => client().get('/forbidden'));
    assert.ok(error instanceof ForbiddenError);
    assert.equal(error.kind, 'forbidden');
    assert.equal(server.hits('/forbidden'), 1);
  });

  it('429 with Retry-After seconds waits exactly as asked, then succeeds', async () => {
    server.script('/throttled', { status: 429, headers: { 'retry-after': '7' } }, { status: 200, body: '{}' });
    const clock = fakeClock();
    const res = await client({ clock }).get('/throttled');
    assert.equal(res.status, 200);
    assert.deepEqual(clock.sleeps, [7000]);
    assert.equal(server.hits('/throttled'), 2);
  });

  it('429 with an HTTP-date Retry-After waits until that date', async () => {
    const clock = fakeClock();
    const date = new Date(clock.now() + 12_000).toUTCString();
    server.script('/throttled-date', { status: 429, headers: { 'retry-after': date } }, { status: 200, body: '{}' });
    await client({ clock }).get('/throttled-date');
    assert.equal(clock.sleeps.length, 1);
    assert.ok(clock.sleeps[0]! > 11_000 && clock.sleeps[0]! <= 12_000, `slept ${clock.sleeps[0]}`);
  });

  it('429 that keeps coming is a ThrottledError carrying retryAfterMs after maxAttempts', async () => {
    server.script('/always-throttled', { status: 429, headers: { 'retry-after': '2' } });
    const clock = fakeClock();
    const error = await failureOf(() =>
      client({ clock, resilience: [retry({ maxAttempts: 3 }), throttle()] }).get('/always-throttled'),
    );
    assert.ok(error instanceof ThrottledError);
    assert.equal(error.retryAfterMs, 2000);
    assert.equal(error.attempts, 3);
    assert.deepEqual(clock.sleeps, [2000, 2000]);
    assert.equal(server.hits('/always-throttled'), 3);
  });

  it('a Retry-After beyond maxRetryAfterMs stops at once', async () => {
    server.script('/too-long', { status: 429, headers: { 'retry-after': '3600' } });
    const clock = fakeClock();
    const error = await failureOf(() =>
      client({ clock, resilience: [retry({ maxRetryAfterMs: 60_000 }), throttle()] }).get('/too-long'),
    );
    assert.equal(error.kind, 'throttled');
    assert.equal(error.attempts, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('503 with Retry-After is throttled; without it, server', async () => {
    server.script('/busy', { status: 503, headers: { 'retry-after': '1' } });
    server.script('/down', { status: 503 });
    const busy = await failureOf(() => client({ resilience: [] }).get('/busy'));
    assert.equal(busy.kind, 'throttled');
    assert.equal(busy.retryAfterMs, 1000);
    const down = await failureOf(() => client({ resilience: [] }).get('/down'));
    assert.ok(down instanceof ServerError);
    assert.equal(down.code, '503');
  });

  it('500 is not retried; 502 and 503 are retried for GET', async () => {
    server.script('/500', { status: 500 });
    server.script('/502', { status: 502 });
    const e500 = await failureOf(() => client().get('/500'));
    assert.equal(e500.kind, 'server');
    assert.equal(e500.attempts, 1);
    assert.equal(server.hits('/500'), 1);
    const e502 = await failureOf(() => client().get('/502'));
    assert.equal(e502.attempts, 3);
    assert.equal(server.hits('/502'), 3);
  });

  it('504 is a timeout and retried; 408 too', async () => {
    server.script('/504', { status: 504 });
    server.script('/408', { status: 408 }, { status: 200, body: '{}' });
    const e504 = await failureOf(() => client().get('/504'));
    assert.ok(e504 instanceof TimeoutError);
    assert.equal(e504.code, '504');
    assert.equal(server.hits('/504'), 3);
    assert.equal((await client().get('/408')).status, 200);
  });

  it('POST is not retried on 503 unless idempotent: true', async () => {
    server.script('/orders', { status: 503 });
    const plain = await failureOf(() => client().post('/orders', { json: { a: 1 } }));
    assert.equal(plain.attempts, 1);
    assert.equal(server.hits('/orders'), 1);
    server.script('/orders', { status: 503 });
    const opted = await failureOf(() =>
      client().post('/orders', {
        json: { a: 1 },
        idempotent: true,
        headers: { 'idempotency-key': 'k1' },
      }),
    );
    assert.equal(opted.attempts, 3);
    assert.equal(server.hits('/orders'), 3);
    assert.deepEqual(
      server.seen('/orders').map((r) => r.body),
      ['{"a":1}', '{"a":1}', '{"a":1}'],
    );
  });

  it('400 and 404 are client errors, not retried', async () => {
    server.script('/missing', { status: 404 });
    const error = await failureOf(() => client().get('/missing'));
    assert.ok(error instanceof ClientError);
    assert.equal(error.code, '404');
    assert.equal(server.hits('/missing'), 1);
  });

  it('throwHttpErrors: false returns the final Response after retries', async () => {
    server.script('/soft', { status: 502, body: '{"why":"gateway"}' });
    const res = await client().get('/soft', { throwHttpErrors: false });
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), { why: 'gateway' });
    assert.equal(server.hits('/soft'), 3);
  });

  it('the error carries the final response with its body', async () => {
    server.script('/explain', { status: 422, body: '{"field":"amount"}' });
    const error = await failureOf(() => client().post('/explain', { json: {} }));
    assert.equal(error.response?.status, 422);
    assert.deepEqual(await error.response?.json(), { field: 'amount' });
  });
});
