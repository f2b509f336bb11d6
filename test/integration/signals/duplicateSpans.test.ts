import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { request } from 'undici';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
} from '../../../src/testing/index.js';
import { createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

describe('with @opentelemetry/instrumentation-undici also active', () => {
  let server: FlakyUpstream;
  let otel: OtelHarness;
  let unregister: () => void;
  before(async () => {
    server = await startFlakyUpstream();
    otel = startOtel();
    unregister = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
  });
  after(async () => {
    unregister();
    await otel.shutdown();
    await server.close();
  });

  it('the instrumentation traces a bare undici request', async () => {
    otel.reset();
    const { body } = await request(`${server.url}/bare`);
    await body.arrayBuffer();
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 1);
    assert.equal(spans[0]?.attributes['faultline.upstream'], undefined);
  });

  it("one faultline attempt is one CLIENT span: faultline's, not a second from the instrumentation", async () => {
    otel.reset();
    server.script('/twice', { status: 503 }, { status: 200, body: '{}' });
    const client = createClient({
      name: 'dup',
      baseUrl: server.url,
      env: {},
      telemetry: { logger: captureLogs('error').logger, report: false },
      clock: { now: Date.now, sleep: async () => {} },
    });
    await client.json('/twice');
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 2, spans.map((s) => s.name).join(', '));
    assert.ok(spans.every((s) => s.attributes['faultline.upstream'] === 'dup'));
    // The upstream still got our own trace context.
    assert.match(
      String(server.seen('/twice')[1]?.headers['traceparent']),
      new RegExp(`-${spans[1]?.spanContext().spanId}-`),
    );
  });

  it('still one span per attempt when the client has observers of its own besides the signals', async () => {
    otel.reset();
    const notes: number[] = [];
    const client = createClient({
      name: 'observed',
      baseUrl: server.url,
      env: {},
      telemetry: {
        logger: captureLogs('error').logger,
        report: false,
        observers: [{ attemptStarted: (_call, attempt) => ({ run: (fn) => fn(), end: () => notes.push(attempt) }) }],
      },
    });
    await client.json('/observed');
    const spans = otel.finishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 1, spans.map((s) => s.name).join(', '));
    assert.deepEqual(notes, [1]);
  });
});
