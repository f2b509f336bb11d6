import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import { getGlobalDispatcher, MockAgent, ProxyAgent, setGlobalDispatcher } from 'undici';
import {
  closedPort,
  type FaultServer,
  startFaultServer,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { failureOf } from '../../helpers/failureOf.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';
import { startTestProxy, type TestProxy } from '../../helpers/testProxy.js';

const PASSWORD = 'pr0xy-S3cret-pw';
const CREDENTIALS = `egress:${PASSWORD}`;

describe('HTTP_PROXY / HTTPS_PROXY / NO_PROXY, as undici’s EnvHttpProxyAgent reads them', () => {
  let a: FaultServer;
  let b: FaultServer;
  let proxy: TestProxy;
  let guarded: TestProxy;
  let sink: SentrySink;
  let otel: OtelHarness;
  const original = getGlobalDispatcher();

  before(async () => {
    a = await startFaultServer();
    b = await startFaultServer();
    proxy = await startTestProxy();
    guarded = await startTestProxy({ credentials: CREDENTIALS });
    sink = await startSentrySink();
    otel = startOtel();
    Sentry.init({ dsn: sink.dsn, integrations: [Sentry.openTelemetryIntegration()], tracesSampleRate: 1 });
  });
  after(async () => {
    await Sentry.close(2000);
    await otel.shutdown();
    await Promise.all([a.close(), b.close(), proxy.close(), guarded.close(), sink.close()]);
  });
  afterEach(() => setGlobalDispatcher(original));

  const quiet = captureLogs('error').logger;
  const client = (env: Record<string, string>, name = 'upstream') =>
    createClient({ name, env, telemetry: { logger: quiet }, clock: fakeClock() });

  it('HTTP_PROXY: requests go through the proxy; NO_PROXY hosts and FAULTLINE_PROXY=off go direct', async () => {
    const env = { HTTP_PROXY: proxy.url, NO_PROXY: `localhost, 127.0.0.1:${b.port}` };
    const viaProxy = client(env);
    assert.deepEqual(await viaProxy.json(`${a.url}/v1/orders?page=2`), { ok: true });
    assert.deepEqual(proxy.forwarded, [`${a.url}/v1/orders?page=2`]);
    assert.equal(a.hits('/v1/orders'), 1);

    // NO_PROXY names b's host and port: straight to b.
    await viaProxy.get(`${b.url}/direct`);
    assert.equal(b.hits('/direct'), 1);
    assert.equal(proxy.forwarded.length, 1);

    await client({ ...env, FAULTLINE_PROXY: 'off' }).get(`${a.url}/off`);
    assert.equal(a.hits('/off'), 1);
    assert.equal(proxy.forwarded.length, 1);

    // Lower case first, as undici and curl read them.
    await client({ http_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:9' }).get(`${a.url}/lower`);
    assert.deepEqual(proxy.forwarded.slice(1), [`${a.url}/lower`]);
  });

  it('HTTPS_PROXY: https URLs are tunnelled with CONNECT; a redirect to another origin carries its own Host', async () => {
    // A TLS handshake with a plain HTTP server fails, but only after the tunnel was asked for.
    const tls = await failureOf(() =>
      createClient({ env: { HTTPS_PROXY: proxy.url }, telemetry: { enabled: false }, resilience: [] }).get(
        `https://127.0.0.1:${a.port}/tls`,
      ),
    );
    assert.equal(tls.kind, 'network');
    assert.deepEqual(proxy.tunnels, [`127.0.0.1:${a.port}`]);

    a.script('/away', { status: 302, headers: { location: `${b.url}/landing` } });
    await client({ HTTP_PROXY: proxy.url }).get(`${a.url}/away`);
    assert.equal(b.seen('/landing')[0]?.headers.host, `127.0.0.1:${b.port}`);
  });

  it('a dispatcher the app set wins over the proxy variables; undici’s default global does not', async () => {
    // undici is loaded in this process, so its default Agent is the global already.
    const before = proxy.forwarded.length;
    await client({ HTTP_PROXY: proxy.url }).get(`${a.url}/default-global`);
    assert.equal(proxy.forwarded.length, before + 1);

    const mock = new MockAgent();
    mock.disableNetConnect();
    mock.get(a.url).intercept({ path: '/mocked' }).reply(200, '"mocked"');
    setGlobalDispatcher(mock);
    assert.equal(await client({ HTTP_PROXY: proxy.url }).json(`${a.url}/mocked`), 'mocked');
    assert.equal(proxy.forwarded.length, before + 1);
  });

  it('a proxy that refuses connections is a connect-phase network failure', async () => {
    const port = await closedPort();
    const error = await failureOf(() =>
      createClient({
        env: { HTTP_PROXY: `http://127.0.0.1:${port}` },
        telemetry: { enabled: false },
        resilience: [],
      }).post(`${a.url}/never`, { body: 'x' }),
    );
    assert.deepEqual([error.kind, error.code], ['network', 'ECONNREFUSED']);
    assert.equal(a.hits('/never'), 0);
  });

  it('a 407 from the proxy is a network failure PROXY_407, forwarded or tunnelled, never “cancelled”', async () => {
    const forwarded = await failureOf(() =>
      createClient({ env: { HTTP_PROXY: guarded.url }, telemetry: { enabled: false }, resilience: [] }).get(
        `${a.url}/no-creds`,
      ),
    );
    const tunnelled = await failureOf(() =>
      createClient({
        transport: { dispatcher: new ProxyAgent(guarded.url) },
        env: {},
        telemetry: { enabled: false },
        resilience: [],
      }).get(`${a.url}/no-creds`),
    );
    for (const error of [forwarded, tunnelled]) {
      assert.equal(error.kind, 'network');
      assert.equal(error.code, 'PROXY_407');
      assert.match(error.message, /407 Proxy Authentication Required/);
      assert.equal(error.name, 'NetworkError');
    }
    assert.equal(guarded.refused, 2);
    assert.equal(a.hits('/no-creds'), 0);

    // With the credentials, through the tunnel too.
    const agent = new ProxyAgent(`http://${CREDENTIALS}@127.0.0.1:${guarded.port}`);
    assert.equal(
      (
        await createClient({ transport: { dispatcher: agent }, env: {}, telemetry: { enabled: false } }).get(
          `${a.url}/tunnel`,
        )
      ).status,
      200,
    );
    assert.deepEqual(guarded.tunnels, [`127.0.0.1:${a.port}`]);
    await agent.close();
  });

  it('proxy credentials never reach a log line, a span, a Sentry event or an error', async () => {
    const logs = captureLogs('debug');
    a.script('/v1/charges/42', { status: 503, body: 'down' });
    const withCredentials = `http://${CREDENTIALS}@127.0.0.1:${guarded.port}`;
    const good = createClient({
      name: 'proxied',
      env: { HTTP_PROXY: withCredentials },
      telemetry: { logger: logs.logger },
      clock: fakeClock(),
    });
    const bad = createClient({
      name: 'proxied',
      env: { HTTP_PROXY: `http://egress:wrong-${PASSWORD}@127.0.0.1:${guarded.port}` },
      telemetry: { logger: logs.logger },
      clock: fakeClock(),
    });
    const errors = [
      await failureOf(() => good.get(`${a.url}/v1/charges/42`)),
      await failureOf(() => bad.get(`${a.url}/v1/charges/43`)),
    ];
    await Sentry.flush(3000);
    assert.deepEqual(
      errors.map((error) => error.code),
      ['503', 'PROXY_407'],
    );
    assert.equal(guarded.forwarded.filter((url) => url.endsWith('/v1/charges/42')).length, 3);
    const events = sink.events().filter((event) => event.tags?.['faultline.upstream'] === 'proxied');
    assert.equal(events.length, 2);
    assert.ok(logs.lines.length >= 4);
    assert.ok(otel.finishedSpans().length >= 4);

    const told = [
      ...logs.lines.map((line) => JSON.stringify(line)),
      ...otel.finishedSpans().map((span) => JSON.stringify([span.name, span.attributes, span.events, span.status])),
      ...sink.raw,
      ...errors.flatMap((error) => [error.message, String(error), error.stack ?? '', error.url]),
    ].join('\n');
    for (const secret of [PASSWORD, Buffer.from(CREDENTIALS).toString('base64'), CREDENTIALS])
      assert.ok(!told.includes(secret), `"${secret}" leaked`);
  });
});
