// The kit's fault server, imported as a user does (faultline/testing), driven by a real
// faultline client: each scripted answer must come out as the failure kind it stages.
import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient, retry, throttle, type UnauthorizedError } from 'faultline';
import { closedPort, expectCallFailure, fakeClock, type FaultServer, startFaultServer } from 'faultline/testing';

describe('startFaultServer(routes)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({
      '/v1/charges': [503, 503, { status: 200, json: { id: 42 } }],
      '/v1/rates': { status: 429, headers: { 'retry-after': '2' } },
      '/v1/admin': { status: 401, headers: { 'www-authenticate': 'Basic realm="ops"' } },
      '/v1/limits': { status: 429, headers: { 'ratelimit-reset': '7' } },
      '/v1/reports': 'hang',
      '/v1/catalog': 'bad-json',
      '/v1/feed': { fault: 'trickle', intervalMs: 1, chunks: 3 },
      '/v1/round': { cycle: [500, 200] },
      '/v1/items/*': [404],
    });
  });
  after(() => server.close());
  const client = (retries = 3) =>
    createClient({
      name: 'payments',
      baseUrl: server.url,
      env: {},
      clock: fakeClock(),
      resilience: [retry({ maxAttempts: retries }), throttle()],
    });

  it('a sequence answers request n with step n, and counts the requests', async () => {
    assert.deepEqual(await client().json('/v1/charges'), { id: 42 });
    assert.equal(server.hits('/v1/charges'), 3);
    assert.deepEqual(await client().json('/v1/charges'), { id: 42 }, 'the last step repeats');
    assert.equal(server.hits('/v1/charges'), 4);
  });

  it('statuses carry their headers: Retry-After, RateLimit-Reset, WWW-Authenticate', async () => {
    const clock = fakeClock();
    const throttled = await expectCallFailure(
      createClient({ baseUrl: server.url, env: {}, clock, resilience: [] }).get('/v1/rates'),
      { kind: 'throttled', status: 429, code: '429' },
    );
    assert.equal(throttled.retryAfterMs, 2000);
    const limited = await expectCallFailure(client(1).get('/v1/limits'), { kind: 'throttled' });
    assert.equal(limited.retryAfterMs, 7000);
    const refused = (await expectCallFailure(client().get('/v1/admin'), { kind: 'unauthorized' })) as UnauthorizedError;
    assert.equal(refused.challenges[0]?.params['realm'], 'ops');
  });

  it('a hang is a headers timeout; bad JSON is invalid_response; a trickle arrives whole', async () => {
    const hung = await expectCallFailure(
      createClient({ baseUrl: server.url, env: {}, timeout: { attemptMs: 30 }, resilience: [] }).get('/v1/reports'),
      { kind: 'timeout' },
    );
    assert.equal(hung.phase, 'headers');
    await expectCallFailure(client().json('/v1/catalog'), { kind: 'invalid_response', code: 'INVALID_JSON' });
    assert.equal(server.hits('/v1/catalog'), 1, 'not retried');
    assert.deepEqual(await client().json('/v1/feed'), [0, 0, 0]);
  });

  it('a cycle goes round; a prefix route answers its subtree; others answer 200 or /status/N', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await client(1).get('/v1/round', { throwHttpErrors: false })).status);
    assert.deepEqual(statuses, [500, 200, 500, 200]);
    await expectCallFailure(client().get('/v1/items/7'), { kind: 'client', status: 404 });
    assert.equal(server.hits('/v1/items/7'), 1);
    assert.deepEqual(await client().json('/anything'), { ok: true });
    await expectCallFailure(client(1).get('/status/418'), { kind: 'client', status: 418 });
  });

  it('records each request: method, path with query, headers and body', async () => {
    server.route('/v1/refunds', 201);
    await client().post('/v1/refunds?dry=1', {
      json: { amount: 5 },
      headers: { authorization: 'Bearer secret-token', 'idempotency-key': 'k1' },
    });
    const [seen] = server.seen('/v1/refunds');
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.path, '/v1/refunds?dry=1');
    assert.equal(seen?.headers['authorization'], 'Bearer secret-token');
    assert.equal(seen?.headers['idempotency-key'], 'k1');
    assert.equal(seen?.body, '{"amount":5}');
  });

  it('setting a route again replaces it and forgets its count; a handler answers by hand', async () => {
    server.route('/v1/swap', 500);
    await client(1).get('/v1/swap', { throwHttpErrors: false });
    server.handle('/v1/swap', (req, res) => res.writeHead(req.headers['x-ok'] === '1' ? 204 : 403).end());
    assert.equal(server.hits('/v1/swap'), 0);
    assert.equal((await client().get('/v1/swap', { headers: { 'x-ok': '1' } })).status, 204);
    server.route('/v1/swap', ['reset-before-headers', 200]);
    assert.equal((await client().get('/v1/swap')).status, 200);
    assert.equal(server.hits('/v1/swap'), 2);
  });

  it('nobody listening on closedPort() is network / ECONNREFUSED', async () => {
    const port = await closedPort();
    await expectCallFailure(createClient({ baseUrl: `http://127.0.0.1:${port}`, env: {}, resilience: [] }).get('/'), {
      kind: 'network',
      code: 'ECONNREFUSED',
    });
  });

  it('closes at once with a request still hanging and its socket open', async () => {
    const own = await startFaultServer({ '/hang': 'hang', '/slow': { status: 200, delayMs: 60_000 } });
    const pending = ['/hang', '/slow'].map(
      (path) =>
        new Promise<string>((resolve) => {
          request(`${own.url}${path}`)
            .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
            .end();
        }),
    );
    while (own.hits('/hang') + own.hits('/slow') < 2) await new Promise((resolve) => setImmediate(resolve));
    await own.close();
    assert.deepEqual(await Promise.all(pending), ['ECONNRESET', 'ECONNRESET']);
  });
});
