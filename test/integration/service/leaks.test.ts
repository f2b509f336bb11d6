import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
} from '../../../src/testing/index.js';
import { type Client, createClient, throttle } from '../../../src/index.js';
import { type ServiceApp, type StartService, startExpress, startFastify } from './serviceApps.js';

/** Cases per framework: each is a real request through the service to the upstream. */
const RUNS = Number(process.env['FAULTLINE_LEAK_RUNS'] ?? 100);

// Secrets distinctive enough that finding one anywhere can only be a leak.
const secret = fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `Zq${s}`);

for (const [framework, start] of [
  ['Express 5', startExpress],
  ['Fastify 5', startFastify],
] as [string, StartService][]) {
  describe(`${framework}: no secret or upstream body reaches the service's caller`, () => {
    let upstream: FlakyUpstream;
    let client: Client;
    let app: ServiceApp;
    // What the next case's upstream answers with; the handler reads it.
    let scripted = { status: 500, body: '', challenge: '', cookie: '' };
    before(async () => {
      upstream = await startFlakyUpstream();
      upstream.handle('/leak', (_request, response) => {
        response.writeHead(scripted.status, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${scripted.challenge}"`,
          'set-cookie': `session=${scripted.cookie}`,
          ...(scripted.status === 429 ? { 'retry-after': '3' } : {}),
        });
        response.end(scripted.body);
      });
      client = createClient({
        name: 'partner',
        baseUrl: upstream.url,
        timeout: { totalMs: 2_000 },
        resilience: [throttle()],
        env: {},
      });
      app = await start({ client, callOptions: () => ({ headers: { 'x-api-key': 'Zq-outgoing-api-key' } }) });
    });
    after(async () => {
      await app.close();
      await client.close();
      await upstream.close();
    });

    it('in upstream bodies, challenges and cookies, and in query strings either way', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            status: fc.constantFrom(200, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503),
            body: secret,
            challenge: secret,
            cookie: secret,
            incoming: secret,
          }),
          async (s) => {
            // A 200 whose body is not JSON: invalid_response.
            scripted = { status: s.status, body: `{"detail":"${s.body}"`, challenge: s.challenge, cookie: s.cookie };
            const response = await fetch(`${app.url}/call/leak?token=${s.incoming}`);
            const seen = `${await response.text()}\n${JSON.stringify([...response.headers])}`;
            assert.ok(response.status >= 500, `${response.status}`);
            for (const value of [s.body, s.challenge, s.cookie, s.incoming, 'Zq-outgoing-api-key', upstream.url])
              assert.ok(!seen.includes(value), `${value} leaked: ${seen}`);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
}
