import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { closedPort, type FaultServer as FlakyUpstream } from '../../../src/testing/index.js';
import {
  createClient,
  exponentialBackoff,
  InvalidResponseError,
  NetworkError,
  noRetry,
  TimeoutError,
  type ClientOptions,
} from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { failureOf } from '../../helpers/failureOf.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('network faults and deadlines against a real fault server', () => {
  const upstream = useFlakyUpstream();
  const client = (options?: ClientOptions) => upstream.client(options);
  let server: FlakyUpstream;
  before(() => {
    server = upstream.server;
  });

  it('connection refused is a connect-phase network failure, retried even for POST', async () => {
    const port = await closedPort();
    const c = createClient({ baseUrl: `http://127.0.0.1:${port}`, clock: fakeClock(), env: {} });
    const error = await failureOf(() => c.post('/x', { json: {} }));
    assert.ok(error instanceof NetworkError);
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.phase, 'connect');
    assert.equal(error.attempts, 3);
  });

  it('a reset before headers is a network failure, retried for GET', async () => {
    server.script('/reset', { fault: 'reset-before-headers' });
    const error = await failureOf(() => client().get('/reset'));
    assert.equal(error.kind, 'network');
    assert.match(error.code, /^(ECONNRESET|UND_ERR_SOCKET)$/);
    assert.equal(server.hits('/reset'), 3);
  });

  it('a reset after headers fails json() as network and is retried', async () => {
    server.script('/reset-body', { fault: 'reset-after-headers' }, { status: 200, body: '{"ok":1}' });
    assert.deepEqual(await client().json('/reset-body'), { ok: 1 });
    assert.equal(server.hits('/reset-body'), 2);
  });

  it('a server that hangs before headers times out in the headers phase, per attempt', async () => {
    server.script('/hang', { fault: 'hang' });
    const error = await failureOf(() =>
      client({ attemptTimeoutMs: 50, retry: exponentialBackoff({ maxAttempts: 2 }) }).get('/hang'),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.phase, 'headers');
    assert.equal(error.code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.equal(error.attempts, 2);
    assert.equal(server.hits('/hang'), 2);
  });

  it('the total deadline ends a hanging call with phase total', async () => {
    server.script('/hang-total', { fault: 'hang' });
    const error = await failureOf(() => client({ timeoutMs: 60, attemptTimeoutMs: 0 }).get('/hang-total'));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.phase, 'total');
    assert.equal(error.attempts, 1);
  });

  it('a body that stalls mid-way times out in the body phase', async () => {
    server.script('/stall', { fault: 'stall-mid-body' });
    const error = await failureOf(() => client({ attemptTimeoutMs: 50, retry: noRetry() }).json('/stall'));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.phase, 'body');
  });

  it('a stall in a streamed Response body rejects the reader with a classified error', async () => {
    server.script('/stall-stream', { fault: 'stall-mid-body' });
    const res = await client({ timeoutMs: 80, attemptTimeoutMs: 0 }).get('/stall-stream');
    const error = await failureOf(() => res.text());
    assert.equal(error.kind, 'timeout');
  });

  it('a wrong content-length is invalid_response', async () => {
    server.script('/short', { fault: 'wrong-length' });
    const error = await failureOf(() => client({ retry: noRetry() }).json('/short'));
    assert.ok(error instanceof InvalidResponseError || error instanceof NetworkError, error.name);
    assert.match(error.code, /UND_ERR_RES_CONTENT_LENGTH_MISMATCH|UND_ERR_SOCKET/);
  });

  it('invalid JSON is invalid_response, not retried', async () => {
    server.script('/bad-json', { status: 200, body: '{"oops":' });
    const error = await failureOf(() => client().json('/bad-json'));
    assert.ok(error instanceof InvalidResponseError);
    assert.equal(error.code, 'INVALID_JSON');
    assert.equal(error.attempts, 1);
  });
});
