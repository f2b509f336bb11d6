import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort, type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { classify } from '../../../src/classification/index.js';
import { MockAgent } from 'undici';
import { createFetch, isRequestFailure } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';

describe('createFetch() behaves as global fetch does', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());

  const fetchLike = () => createFetch({ name: 'sdk', clock: fakeClock(), env: {} });

  it('resolves for 4xx and 5xx (after retrying the retryable ones)', async () => {
    server.script('/five', { status: 503, body: 'down' });
    const res = await fetchLike()(`${server.url}/five`);
    assert.equal(res.status, 503);
    assert.equal(res.ok, false);
    assert.equal(await res.text(), 'down');
    assert.equal(res.url, `${server.url}/five`);
    assert.equal(server.hits('/five'), 3);
    assert.equal((await fetchLike()(`${server.url}/status/404`)).status, 404);
  });

  it('takes a Request, a URL and init like fetch', async () => {
    const request = new Request(`${server.url}/echo`, {
      method: 'POST',
      body: 'hello',
      headers: { 'x-a': '1' },
    });
    const res = await fetchLike()(request);
    assert.equal(res.status, 200);
    assert.equal(server.seen('/echo')[0]?.body, 'hello');
    assert.equal(server.seen('/echo')[0]?.headers['x-a'], '1');
    await fetchLike()(new URL(`${server.url}/echo`), { method: 'PUT', body: 'x' });
    assert.equal(server.seen('/echo')[1]?.method, 'PUT');
  });

  it("rejects network failures with TypeError('fetch failed') carrying the classified cause", async () => {
    const port = await closedPort();
    try {
      await fetchLike()(`http://127.0.0.1:${port}/`);
      assert.fail('expected a rejection');
    } catch (error) {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, 'fetch failed');
      assert.ok(isRequestFailure(error.cause));
      assert.equal(classify(error)?.code, 'ECONNREFUSED');
    }
  });

  it("rejects an abort with the signal's reason", async () => {
    server.script('/hang', { fault: 'hang' });
    const controller = new AbortController();
    const pending = fetchLike()(`${server.url}/hang`, { signal: controller.signal });
    const reason = new Error('user left');
    setImmediate(() => controller.abort(reason));
    await assert.rejects(pending, (error) => error === reason);
  });

  it("redirect: 'manual' returns the 3xx; the default follows it", async () => {
    server.script('/moved', { status: 302, headers: { location: '/target' } });
    server.script('/target', { status: 200, body: '{"here":true}' });
    assert.equal((await fetchLike()(`${server.url}/moved`, { redirect: 'manual' })).status, 302);
    const followed = await fetchLike()(`${server.url}/moved`);
    assert.deepEqual(await followed.json(), { here: true });
  });

  it("redirect: 'error' rejects with TypeError('fetch failed'), from init or from a Request", async () => {
    server.script('/bounce', { status: 301, headers: { location: '/target' } });
    const before = server.hits('/target');
    for (const call of [
      () => fetchLike()(`${server.url}/bounce`, { redirect: 'error' }),
      () => fetchLike()(new Request(`${server.url}/bounce`, { redirect: 'error' })),
    ]) {
      try {
        await call();
        assert.fail('expected a rejection');
      } catch (error) {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, 'fetch failed');
        assert.deepEqual([classify(error)?.kind, classify(error)?.code], ['invalid_response', 'UNEXPECTED_REDIRECT']);
      }
    }
    assert.equal(server.hits('/bounce'), 2);
    assert.equal(server.hits('/target'), before);
  });

  it("still takes fetch's own dispatcher in init (0.2 moved the client's to transport), for a URL and a Request", async () => {
    const ORIGIN = 'http://sdk.test';
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get(ORIGIN);
    pool.intercept({ path: '/a' }).reply(302, '', { headers: { location: '/b' } });
    pool.intercept({ path: '/b' }).reply(200, 'via init');
    pool.intercept({ path: '/c', method: 'POST' }).reply(201, 'from a Request');
    const fetchLike = createFetch({ name: 'sdk', clock: fakeClock(), env: {} });
    // The redirect's hop goes through the same dispatcher: the mock answers both.
    const answered = await fetchLike(`${ORIGIN}/a`, { dispatcher: mock });
    assert.equal(await answered.text(), 'via init');
    const fromRequest = await fetchLike(new Request(`${ORIGIN}/c`, { method: 'POST', body: 'x' }), {
      dispatcher: mock,
    });
    assert.deepEqual([fromRequest.status, await fromRequest.text()], [201, 'from a Request']);
    mock.assertNoPendingInterceptors();

    // Over the client's transport.dispatcher, init's wins, as a call's own does.
    const clientMock = new MockAgent();
    clientMock.disableNetConnect();
    clientMock.get(ORIGIN).intercept({ path: '/who' }).reply(200, 'client').persist();
    mock.get(ORIGIN).intercept({ path: '/who' }).reply(200, 'init');
    const withTransport = createFetch({
      name: 'sdk',
      env: {},
      clock: fakeClock(),
      transport: { dispatcher: clientMock },
    });
    assert.equal(await (await withTransport(`${ORIGIN}/who`, { dispatcher: mock })).text(), 'init');
    assert.equal(await (await withTransport(`${ORIGIN}/who`)).text(), 'client');
    await Promise.all([mock.close(), clientMock.close()]);
  });
});
