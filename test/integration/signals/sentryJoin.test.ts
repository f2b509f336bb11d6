import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentryEvent,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, retry, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';

// This process has Sentry (default integrations, its own tracing) and no OpenTelemetry
// provider: the log lines must still be joinable to the events.
describe('Sentry without OpenTelemetry: log lines join their events', () => {
  let server: FlakyUpstream;
  let sink: SentrySink;
  const logs = captureLogs('info');

  before(async () => {
    server = await startFlakyUpstream();
    sink = await startSentrySink();
    Sentry.init({ dsn: sink.dsn, tracesSampleRate: 1 });
  });
  after(async () => {
    await Sentry.close(2000);
    await sink.close();
    await server.close();
  });

  /** Fails one call (two attempts) of its own upstream; its event and its lines. */
  async function failOnce(name: string, run: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()) {
    server.script(`/${name}/1`, { status: 502 });
    const client = createClient({
      name,
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger: logs.logger },
      resilience: [retry({ maxAttempts: 2 }), throttle()],
    });
    await run(() => assert.rejects(client.get(`/${name}/1`)));
    await Sentry.flush(3000);
    const events = sink.events().filter((e) => e.tags?.['faultline.upstream'] === name);
    assert.equal(events.length, 1);
    const lines = logs.lines.filter((line) => line['faultline.upstream'] === name);
    assert.deepEqual(
      lines.map((line) => line['level']),
      ['warn', 'error'],
    );
    return { event: events[0]!, lines };
  }

  function assertJoined(event: SentryEvent, lines: Record<string, unknown>[]): void {
    const traceId = event.contexts?.['trace']?.['trace_id'];
    assert.match(String(traceId), /^[0-9a-f]{32}$/);
    for (const line of lines) assert.equal(line['trace_id'], traceId, 'every line carries the trace of the event');
    assert.equal(lines.at(-1)?.['sentry.event_id'], event.event_id, 'the final line names the event');
    assert.equal(lines[0]?.['sentry.event_id'], undefined);
  }

  it("outside any request: the trace of Sentry's propagation context", async () => {
    const { event, lines } = await failOnce('sentry-only');
    assertJoined(event, lines);
    // No span here: the span id the event carries is made once and written on the line too.
    assert.match(String(lines[1]?.['span_id']), /^[0-9a-f]{16}$/);
    assert.equal(lines[1]?.['span_id'], event.contexts?.['trace']?.['span_id'], 'the line joins the event on span_id');
  });

  it('in a new trace (as for an incoming request): that trace, not the process-wide one', async () => {
    const outside = await failOnce('outside-trace');
    const inside = await failOnce('new-trace', (fn) => Sentry.startNewTrace(fn));
    assertJoined(inside.event, inside.lines);
    assert.notEqual(inside.lines[0]?.['trace_id'], outside.lines[0]?.['trace_id']);
  });

  it("inside a Sentry span: the span's trace and span ids", async () => {
    const { event, lines } = await failOnce('in-span', (fn) => Sentry.startSpan({ name: 'checkout' }, fn));
    assertJoined(event, lines);
    assert.match(String(lines[1]?.['span_id']), /^[0-9a-f]{16}$/);
    assert.equal(lines[1]?.['span_id'], event.contexts?.['trace']?.['span_id']);
  });
});
