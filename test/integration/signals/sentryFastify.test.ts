// Finding 10 of issue 22 under Fastify: a real Fastify 5 app with Sentry's own error handler
// (`setupFastifyErrorHandler`) and the real Sentry SDK sending to a loopback sink. The
// RequestFailure a route throws is the one faultline reported (or held back by the cap), so
// Sentry's handler does not capture an untagged copy of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import Fastify from 'fastify';
import { type FaultServer, startFaultServer, type SentrySink, startSentrySink } from '../../../src/testing/index.js';
import { createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';

describe('Fastify with Sentry’s error handler', () => {
  let sink: SentrySink;
  let upstream: FaultServer;
  const logs = captureLogs('info');

  before(async () => {
    sink = await startSentrySink();
    upstream = await startFaultServer();
    Sentry.init({ dsn: sink.dsn, defaultIntegrations: false, integrations: [Sentry.fastifyIntegration()] });
  });
  after(async () => {
    await Sentry.close(2000);
    await upstream.close();
    await sink.close();
  });

  it('one event per failed call, capped: no untagged copy from the framework handler (finding 10)', async () => {
    upstream.script('/stock/1', { status: 503 });
    const client = createClient({
      name: 'fastify-stock',
      baseUrl: upstream.url,
      env: {},
      telemetry: { logger: logs.logger, report: { capPerMinute: 2 } },
      resilience: [],
      clock: fakeClock(),
    });
    const app = Fastify();
    Sentry.setupFastifyErrorHandler(app);
    app.get('/stock', async () => {
      await client.get('/stock/1');
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      for (let i = 0; i < 5; i++) assert.ok((await fetch(`${url}/stock`)).status >= 500);
      await Sentry.flush(3000);
      const events = sink.events();
      assert.equal(
        events.filter((event) => event.tags?.['faultline.upstream'] === 'fastify-stock').length,
        2,
        'the cap’s two',
      );
      assert.deepEqual(
        events
          .filter((event) => event.tags?.['faultline.upstream'] === undefined)
          .map((event) => event.exception?.values[0]?.type),
        [],
        'no copy captured by Sentry’s Fastify handler',
      );
    } finally {
      await app.close();
      await client.close();
    }
  });
});
