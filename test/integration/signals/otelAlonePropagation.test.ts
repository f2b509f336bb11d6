// Finding 2 of issue 22, the set-up without Sentry: an app with OpenTelemetry alone. The
// downstream service must be sent faultline's attempt span (W3C traceparent, sampled), and
// nothing of Sentry's.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

describe('OpenTelemetry alone: the trace headers faultline sends', () => {
  let otel: OtelHarness;
  const seen: IncomingHttpHeaders[] = [];
  const downstream = createServer((request, response) => {
    seen.push(request.headers);
    response.end('{}');
  });
  let url = '';
  before(async () => {
    otel = startOtel();
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => downstream.close(resolve));
    await otel.shutdown();
  });

  it('each attempt sends its own span as traceparent, sampled, under the app’s span, and no sentry-trace', async () => {
    const client = createClient({
      name: 'orders',
      baseUrl: url,
      env: {},
      telemetry: { logger: captureLogs('info').logger },
    });
    const appTraceId = await trace.getTracer('app').startActiveSpan('app', async (span) => {
      await client.get('/orders/1');
      span.end();
      return span.spanContext().traceId;
    });
    const attempt = otel.spans.find((span) => span.kind === SpanKind.CLIENT);
    assert.ok(attempt, 'faultline’s attempt span');
    const { traceId, spanId } = attempt.spanContext();
    assert.equal(traceId, appTraceId, 'in the app’s trace');
    const headers = seen.at(-1)!;
    assert.equal(headers['traceparent'], `00-${traceId}-${spanId}-01`);
    assert.equal(headers['sentry-trace'], undefined);
    await client.close();
  });
});
