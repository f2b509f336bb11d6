import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { hmacSignature } from '../../../src/auth/hmacAuth.js';
import { basicAuth, bearerToken, createClient, hmacAuth, isRequestFailure } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';

describe('auth strategies against a real server', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());

  it('basicAuth sends RFC 7617 credentials', async () => {
    const client = createClient({
      baseUrl: server.url,
      auth: basicAuth('ålice', 'pä:ss'),
      env: {},
    });
    await client.get('/basic');
    assert.equal(
      server.seen('/basic')[0]?.headers.authorization,
      `Basic ${Buffer.from('ålice:pä:ss').toString('base64')}`,
    );
  });

  it('20 concurrent 401s share exactly one refresh, and each request is replayed once', async () => {
    let current = 'old';
    let refreshes = 0;
    server.handle('/bearer', (request, response) => {
      const ok = request.headers.authorization === `Bearer ${current}`;
      response.writeHead(ok ? 200 : 401, ok ? {} : { 'www-authenticate': 'Bearer error="invalid_token"' });
      response.end(ok ? '{"ok":true}' : '');
    });
    const client = createClient({
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      auth: bearerToken({
        getToken: () => 'old-token-that-is-wrong',
        refresh: async () => {
          refreshes++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          current = 'fresh';
          return 'fresh';
        },
      }),
    });
    current = 'not-yet';
    const results = await Promise.all(Array.from({ length: 20 }, () => client.json('/bearer')));
    assert.equal(refreshes, 1);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, () => ({ ok: true })),
    );
    assert.equal(server.hits('/bearer'), 40, 'each request: one 401, one replay');
  });

  it('a request is replayed at most once when the fresh token is refused too', async () => {
    let refreshes = 0;
    server.script('/always-401', { status: 401 });
    const client = createClient({
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      auth: bearerToken({ getToken: () => 't', refresh: () => `t${++refreshes}` }),
    });
    try {
      await client.get('/always-401');
      assert.fail('expected a 401');
    } catch (error) {
      assert.ok(isRequestFailure(error));
      assert.equal(error.kind, 'unauthorized');
      assert.equal(error.attempts, 2);
    }
    assert.equal(server.hits('/always-401'), 2);
    assert.equal(refreshes, 1);
  });

  it('hmacAuth signs method, path with query, timestamp and body digest', async () => {
    const secret = 'hmac-secret-value';
    const client = createClient({
      baseUrl: server.url,
      env: {},
      auth: hmacAuth({ keyId: 'svc', secret, now: () => 1_700_000_000_000 }),
    });
    await client.post('/signed?x=1', { json: { amount: 5 } });
    const seen = server.seen('/signed')[0]!;
    const digest = createHash('sha256').update('{"amount":5}').digest('hex');
    assert.equal(seen.headers['x-faultline-timestamp'], '1700000000');
    assert.equal(seen.headers['x-content-digest'], `sha256=${digest}`);
    const expected = hmacSignature(secret, {
      method: 'POST',
      pathWithQuery: '/signed?x=1',
      timestamp: '1700000000',
      bodyDigest: digest,
    });
    assert.equal(seen.headers.authorization, `HMAC-SHA256 keyId="svc", signature="${expected}"`);
  });

  it('an auth strategy that throws never throws into the request', async () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) } as never;
    const client = createClient({
      baseUrl: server.url,
      env: {},
      // A logger with warn() alone serves diagnostics; the log signal needs a whole one.
      telemetry: { enabled: false, logger },
      auth: {
        apply() {
          throw new Error('vault unreachable');
        },
      },
    });
    const res = await client.get('/unauthenticated');
    assert.equal(res.status, 200);
    assert.equal(server.seen('/unauthenticated')[0]?.headers.authorization, undefined);
    assert.ok(warnings.some((w) => w.includes('auth strategy (apply)')));
  });

  it('an auth strategy that never resolves is bounded by the attempt deadline', async () => {
    const client = createClient({
      baseUrl: server.url,
      env: {},
      timeout: { attemptMs: 30, totalMs: 200 },
      auth: { apply: () => new Promise(() => {}) },
    });
    try {
      await client.get('/never-sent');
      assert.fail('expected a timeout');
    } catch (error) {
      assert.ok(isRequestFailure(error));
      assert.equal(error.kind, 'timeout');
    }
    assert.equal(server.hits('/never-sent'), 0);
  });
});
