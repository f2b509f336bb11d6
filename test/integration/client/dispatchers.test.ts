import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Agent, getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { ConfigError, createClient, createFetch, retry } from '../../../src/index.js';
import { failureOf } from '../../helpers/failureOf.js';
import { fakeClock } from '../../helpers/fakeClock.js';

const ORIGIN = 'http://payments.test';

/** A MockAgent that refuses the real network, answering `path` on ORIGIN with the replies in turn. */
function mockAnswering(path: string, ...replies: [number, string][]): MockAgent {
  const mock = new MockAgent();
  mock.disableNetConnect();
  const pool = mock.get(ORIGIN);
  for (const [status, body] of replies) pool.intercept({ path }).reply(status, body);
  return mock;
}

describe('a client on another dispatcher', () => {
  let server: FaultServer;
  const original = getGlobalDispatcher();
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  // The global is the process's: put undici's own back after every test that changes it.
  afterEach(() => setGlobalDispatcher(original));

  it('the dispatcher option: a MockAgent answers, and retries and classification work as usual', async () => {
    const mock = mockAnswering('/v1/charges/42', [503, 'down'], [200, '{"id":42}']);
    const client = createClient({
      baseUrl: ORIGIN,
      transport: { dispatcher: mock },
      telemetry: { enabled: false },
      env: {},
      clock: fakeClock(),
      resilience: [retry({ maxAttempts: 3 })],
    });
    assert.deepEqual(await client.json('/v1/charges/42'), { id: 42 });
    mock.assertNoPendingInterceptors();

    const down = mockAnswering('/v1/charges/7', [404, 'gone']);
    const error = await failureOf(() =>
      createClient({ baseUrl: ORIGIN, transport: { dispatcher: down }, telemetry: { enabled: false }, env: {} }).get(
        '/v1/charges/7',
      ),
    );
    assert.deepEqual([error.kind, error.code, error.status], ['client', '404', 404]);
    await client.close();
    // close() leaves the app's dispatcher open: it still answers.
    mock.get(ORIGIN).intercept({ path: '/after-close' }).reply(200, '{}');
    assert.equal(
      (await createClient({ baseUrl: ORIGIN, transport: { dispatcher: mock }, env: {} }).get('/after-close')).status,
      200,
    );
  });

  it('a per-call dispatcher wins over the client’s, redirects included; createFetch takes it in init', async () => {
    const clientMock = mockAnswering('/who', [200, '"client"']);
    const callMock = new MockAgent();
    callMock.disableNetConnect();
    callMock
      .get(ORIGIN)
      .intercept({ path: '/who' })
      .reply(302, '', { headers: { location: '/who-else' } });
    callMock.get(ORIGIN).intercept({ path: '/who-else' }).reply(200, '"call"');
    const client = createClient({
      baseUrl: ORIGIN,
      transport: { dispatcher: clientMock },
      telemetry: { enabled: false },
      env: {},
    });
    assert.equal(await client.json('/who', { transport: { dispatcher: callMock } }), 'call');
    assert.equal(await client.json('/who'), 'client');

    const fetchMock = mockAnswering('/f', [200, 'via fetch']);
    const fetchLike = createFetch({ telemetry: { enabled: false }, env: {} });
    // Still a fetch to anything that takes one.
    const asFetch: typeof fetch = fetchLike;
    assert.equal(typeof asFetch, 'function');
    assert.equal(await (await fetchLike(`${ORIGIN}/f`, { dispatcher: fetchMock })).text(), 'via fetch');
  });

  it('a global dispatcher the app installs — before or after the client was made — is used', async () => {
    const early = mockAnswering('/early', [200, '"early"']);
    setGlobalDispatcher(early);
    const client = createClient({ baseUrl: ORIGIN, telemetry: { enabled: false }, env: {} });
    assert.equal(await client.json('/early'), 'early');

    const late = mockAnswering('/late', [200, '"late"']);
    setGlobalDispatcher(late);
    assert.equal(await client.json('/late'), 'late');

    // Back to undici's default: requests go out on faultline's own pool again.
    setGlobalDispatcher(original);
    assert.equal(
      (await createClient({ baseUrl: server.url, telemetry: { enabled: false }, env: {} }).get('/x')).status,
      200,
    );
    assert.equal(server.hits('/x'), 1);
  });

  it("an app's own Agent (with options, composed with an interceptor) as the global is used", async () => {
    let dispatched = 0;
    const tuned = new Agent({ keepAliveTimeout: 1_000 }).compose((dispatch) => (options, handler) => {
      dispatched++;
      return dispatch(options, handler);
    });
    setGlobalDispatcher(tuned);
    await createClient({ baseUrl: server.url, telemetry: { enabled: false }, env: {} }).get('/tuned');
    assert.equal(dispatched, 1);
    assert.equal(server.hits('/tuned'), 1);
  });

  it('the caller’s abort and classification of failures hold on a custom dispatcher', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    // MockAgent refuses a request nobody intercepted: an error faultline has no rule for.
    const refused = await failureOf(() =>
      createClient({ baseUrl: ORIGIN, transport: { dispatcher: mock }, telemetry: { enabled: false }, env: {} }).get(
        '/nobody',
        {
          resilience: [retry({ maxAttempts: 1 })],
        },
      ),
    );
    assert.deepEqual([refused.kind, refused.code], ['network', 'UND_MOCK_ERR_MOCK_NOT_MATCHED']);

    server.script('/hang', { fault: 'hang' });
    const agent = new Agent({ keepAliveTimeout: 1_000 });
    const controller = new AbortController();
    const client = createClient({
      baseUrl: server.url,
      transport: { dispatcher: agent },
      telemetry: { enabled: false },
      env: {},
    });
    const pending = failureOf(() => client.get('/hang', { signal: controller.signal }));
    setImmediate(() => controller.abort());
    assert.equal((await pending).kind, 'cancelled');
    await agent.close();
  });

  it('a dispatcher option that is not one is a ConfigError naming it, on the client and on a call', async () => {
    assert.throws(
      () => createClient({ env: {}, transport: { dispatcher: {} as never } }),
      (error) => error instanceof ConfigError && error.variable === 'transport.dispatcher',
    );
    const client = createClient({ baseUrl: server.url, env: {} });
    await assert.rejects(
      () => client.json('/bad-dispatcher', { transport: { dispatcher: {} as never } }),
      (error) => error instanceof ConfigError && error.variable === 'transport.dispatcher',
    );
    assert.equal(server.hits('/bad-dispatcher'), 0);
  });
});
