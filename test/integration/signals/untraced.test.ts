// A process with no OpenTelemetry set up (issue 25): an attempt makes no span, enters no
// context and injects no trace headers; an SDK the app starts after the client was made
// counts from the next call, its meter provider too. This file's process registers nothing
// before its first test.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { createClient } from '../../../src/index.js';
import { type OtelHarness, pointsOf, startOtel } from '../../helpers/otel.js';

describe('no OpenTelemetry registered', () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  let baseUrl = '';
  let otel: OtelHarness | undefined;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await otel?.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a call makes no span and sends no trace headers; an SDK started later traces and measures the next call', async () => {
    let starts = 0;
    const client = createClient({
      name: 'orders',
      baseUrl,
      telemetry: {
        spanHooks: {
          start: () => {
            starts++;
            return { 'app.hooked': true };
          },
        },
      },
    });
    try {
      assert.deepEqual(await client.json('/orders/1'), { ok: true });
      assert.equal(seen.at(-1)?.['traceparent'], undefined);
      assert.equal(starts, 0, 'no span, so no start hook');

      otel = startOtel();
      assert.deepEqual(await client.json('/orders/2'), { ok: true });
      const traceparent = seen.at(-1)?.['traceparent'];
      assert.match(String(traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const spans = otel.finishedSpans();
      assert.equal(spans.length, 1);
      const [span] = spans;
      assert.equal(span?.kind, SpanKind.CLIENT);
      assert.equal(span?.attributes['app.hooked'], true);
      assert.equal(String(traceparent).split('-')[2], span?.spanContext().spanId);
      assert.equal(starts, 1);
      // The first call met no meter provider: only the second is in the histogram.
      const durations = pointsOf<{ count: number }>((await otel.collect()).get('http.client.request.duration'), {
        'faultline.upstream': 'orders',
      });
      assert.deepEqual(
        durations.map((point) => point.value.count),
        [1],
      );
    } finally {
      await client.close();
    }
  });
});
