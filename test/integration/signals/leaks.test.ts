import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import fc from 'fast-check';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, retry, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

/** Cases for the leak property: each makes real requests and flushes Sentry. */
const LEAK_RUNS = Number(process.env['FAULTLINE_LEAK_RUNS'] ?? 300);

// Secrets distinctive enough that finding one anywhere can only be a leak.
const secret = fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `Zq${s}`);

describe('no secret leaves the process', () => {
  let server: FlakyUpstream;
  let sink: SentrySink;
  let otel: OtelHarness;
  before(async () => {
    server = await startFlakyUpstream();
    sink = await startSentrySink();
    otel = startOtel();
    // Default integrations on: Sentry's own HTTP breadcrumbs are a leak path too.
    Sentry.init({ dsn: sink.dsn, integrations: [Sentry.openTelemetryIntegration()] });
    server.script('/leak/*', { status: 503 }, { fault: 'reset-before-headers' }, { status: 502 });
  });
  after(async () => {
    await Sentry.close(2000);
    await otel.shutdown();
    await sink.close();
    await server.close();
  });

  it('in headers, cookies, URL userinfo, query parameters and error messages', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          bearer: secret,
          cookie: secret,
          apiKey: secret,
          user: secret,
          pass: secret,
          token: secret,
          queryKey: secret,
        }),
        async (s) => {
          n++;
          otel.reset();
          const logs = captureLogs('debug');
          const client = createClient({
            name: 'leaky',
            clock: fakeClock(),
            env: { FAULTLINE_REPORT_CAP_PER_MINUTE: '1000' },
            telemetry: { logger: logs.logger },
            resilience: [retry({ maxAttempts: 3 }), throttle()],
            headers: {
              authorization: `Bearer ${s.bearer}`,
              cookie: `session=${s.cookie}`,
              'X-Api-Key': s.apiKey,
            },
            auth: {
              apply() {
                throw new Error(`vault refused the key ${s.apiKey} and token ${s.bearer}`);
              },
            },
          });
          const url = `http://${s.user}:${s.pass}@127.0.0.1:${server.port}/leak/${n}?token=${s.token}&api_key=${s.queryKey}&page=2`;
          const error = await client.get(url).then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(error instanceof Error);
          await Sentry.flush(2000);
          const metrics = await otel.collect();
          const everything = [
            JSON.stringify(logs.lines),
            JSON.stringify(otel.finishedSpans().map((span) => [span.name, span.attributes, span.events])),
            JSON.stringify([...metrics.values()].map((m) => m.dataPoints.map((p) => p.attributes))),
            sink.raw.join('\n'),
            `${error.message} ${String((error as { url?: string }).url)}`,
          ].join('\n');
          for (const [where, value] of Object.entries(s)) {
            if (where === 'user') continue; // a user name is not a secret, but is redacted anyway
            assert.ok(!everything.includes(value), `${where} leaked`);
          }
          assert.ok(!everything.includes(s.user), 'user name leaked');
          assert.ok(sink.raw.length > 0, 'Sentry received envelopes');
          assert.ok(logs.lines.length >= 3, 'the call was logged');
        },
      ),
      { numRuns: LEAK_RUNS },
    );
  });
});
