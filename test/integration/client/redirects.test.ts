import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { createClient, InvalidResponseError } from '../../../src/index.js';
import { failureOf } from '../../helpers/failureOf.js';
import { fakeClock } from '../../helpers/fakeClock.js';

describe('redirects are followed as fetch follows them', () => {
  let a: FaultServer;
  let b: FaultServer;
  before(async () => {
    a = await startFaultServer();
    b = await startFaultServer();
  });
  after(async () => {
    await a.close();
    await b.close();
  });
  const client = () =>
    createClient({
      baseUrl: a.url,
      telemetry: { enabled: false },
      env: {},
      headers: { authorization: 'Bearer s3cret' },
    });

  it('303 after a POST becomes a GET without the body; the Response says where it came from', async () => {
    a.script('/orders', { status: 303, headers: { location: '/orders/7' } });
    a.script('/orders/7', { status: 200, body: '{"id":7}' });
    const res = await client().post('/orders', { json: { item: 'x' } });
    assert.equal(res.status, 200);
    assert.equal(res.url, `${a.url}/orders/7`);
    const followed = a.seen('/orders/7')[0];
    assert.equal(followed?.method, 'GET');
    assert.equal(followed?.body, '');
    assert.equal(followed?.headers['content-type'], undefined);
  });

  it('307 repeats the method and body', async () => {
    a.script('/upload', { status: 307, headers: { location: '/upload/here' } });
    a.script('/upload/here', { status: 201, body: '{}' });
    await client().put('/upload', { body: 'payload' });
    assert.deepEqual([a.seen('/upload/here')[0]?.method, a.seen('/upload/here')[0]?.body], ['PUT', 'payload']);
  });

  it('credentials do not follow a redirect to another origin', async () => {
    a.script('/away', { status: 302, headers: { location: `${b.url}/landing` } });
    b.script('/landing', { status: 200, body: '{}' });
    a.script('/stay', { status: 302, headers: { location: '/landing-here' } });
    a.script('/landing-here', { status: 200, body: '{}' });
    await client().get('/away');
    await client().get('/stay');
    assert.equal(b.seen('/landing')[0]?.headers.authorization, undefined);
    assert.equal(a.seen('/landing-here')[0]?.headers.authorization, 'Bearer s3cret');
  });

  it('a redirect loop ends as invalid_response after maxRedirects', async () => {
    a.script('/loop', { status: 302, headers: { location: '/loop' } });
    const error = await failureOf(() =>
      createClient({ baseUrl: a.url, telemetry: { enabled: false }, env: {}, transport: { maxRedirects: 3 } }).get(
        '/loop',
      ),
    );
    assert.equal(error.kind, 'invalid_response');
    assert.equal(error.code, 'ERR_TOO_MANY_REDIRECTS');
    assert.equal(a.hits('/loop'), 4);
  });

  it("redirect: 'error' fails json() and request() as fetch does, once, whatever throwHttpErrors says", async () => {
    a.script('/old', { status: 308, headers: { location: '/new-place' } });
    a.script('/see-other', { status: 303 });
    const strict = createClient({ baseUrl: a.url, telemetry: { enabled: false }, env: {}, clock: fakeClock() });
    const errors = [
      await failureOf(() => strict.json('/old', { redirect: 'error' })),
      await failureOf(() => strict.get('/old', { redirect: 'error', throwHttpErrors: false })),
      // Any redirect status, Location or not, as fetch.
      await failureOf(() => strict.get('/see-other', { redirect: 'error' })),
    ];
    for (const error of errors) {
      assert.ok(error instanceof InvalidResponseError);
      assert.equal(error.kind, 'invalid_response');
      assert.equal(error.code, 'UNEXPECTED_REDIRECT');
      assert.match(error.message, /redirect/);
    }
    assert.deepEqual(
      errors.map((error) => error.status),
      [308, 308, 303],
    );
    assert.equal(errors[0]?.response?.headers.get('location'), '/new-place');
    assert.equal(a.hits('/old'), 2, 'not retried');
    assert.equal(a.hits('/new-place'), 0, 'not followed');
  });

  it("maxRedirects: 0 and redirect: 'manual' return the 3xx", async () => {
    a.script('/moved', { status: 301, headers: { location: '/new' } });
    assert.equal(
      (
        await createClient({
          baseUrl: a.url,
          telemetry: { enabled: false },
          env: {},
          transport: { maxRedirects: 0 },
        }).get('/moved')
      ).status,
      301,
    );
    assert.equal((await client().get('/moved', { redirect: 'manual' })).status, 301);
  });
});
