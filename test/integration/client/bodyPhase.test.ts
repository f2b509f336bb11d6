// A Response's body is part of its call: for get(), createFetch() and streamed bodies the
// span, call line, metric and Sentry event wait for the body, and tell a body that resets,
// stalls or is truncated as the call's failure (phase `body`), against a real fault server,
// the real OpenTelemetry SDK, real winston and the real Sentry SDK posting to a loopback sink.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import * as Sentry from '@sentry/node';
import { createClient, createFetch, init, NetworkError, TimeoutError, type ClientOptions } from 'faultline';
import {
  captureSignals,
  type CapturedSignals,
  expectFailure,
  type FaultServer,
  startFaultServer,
} from 'faultline/testing';

describe('a Response body is part of its call', () => {
  let server: FaultServer;
  let signals: CapturedSignals;
  before(async () => {
    server = await startFaultServer({});
    signals = await captureSignals();
    Sentry.init({ dsn: signals.sentry?.dsn, integrations: [Sentry.openTelemetryIntegration()], tracesSampleRate: 0 });
  });
  after(async () => {
    await Sentry.close(2000);
    await signals.close();
    await server.close();
  });
  beforeEach(async () => {
    // What an earlier test's calls told arrives before this test looks.
    await signals.flush();
    signals.reset();
  });

  const client = (options: ClientOptions = {}) =>
    createClient({ name: 'files', baseUrl: server.url, env: {}, resilience: [], ...options });

  /** Waits (bounded) until the call's span has ended. */
  const spanEnded = async (): Promise<void> => {
    for (let i = 0; i < 200 && signals.spans.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('a success is told when its last byte arrives, not when its headers come', async () => {
    server.route('/report', { fault: 'trickle', intervalMs: 30, chunks: 4 });
    const response = await client().get('/report');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(signals.spans.length, 0, 'no span ends while the body is still arriving');
    assert.equal(await response.text(), '[0,0,0,0]');
    await spanEnded();
    await signals.flush();
    assert.equal(signals.spans.length, 1);
    assert.equal(signals.spans[0]?.status.code, SpanStatusCode.UNSET);
    assert.equal(signals.spans[0]?.attributes['http.response.status_code'], 200);
    assert.equal(signals.events.length, 0);
  });

  it('a body that has fully arrived ends the call even if the caller never reads it', async () => {
    server.route('/status-only', { status: 200, body: '{"ok":true}' });
    const response = await client().get('/status-only');
    assert.equal(response.ok, true);
    await spanEnded();
    assert.equal(signals.spans.length, 1);
    assert.equal(signals.spans[0]?.status.code, SpanStatusCode.UNSET);
  });

  it('get() then a reset mid-body: the reader gets a network error, and every signal tells it', async () => {
    server.route('/reset', { fault: 'reset-after-headers' });
    const response = await client().get('/reset');
    assert.equal(response.status, 200);
    const error = await response.text().then(
      () => assert.fail('the body should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof NetworkError);
    assert.equal(error.phase, 'body');
    await spanEnded();
    await signals.flush();
    const span = signals.spans[0];
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    expectFailure(signals.spans, { kind: 'network', status: 200, upstream: 'files' });
    expectFailure(signals.logs, { kind: 'network', upstream: 'files', level: 'error' });
    const event = expectFailure(signals.events, { kind: 'network', upstream: 'files', method: 'GET' });
    assert.equal(event.level, 'error');
    const duration = signals.metrics.find(
      (point) => point.name === 'http.client.request.duration' && point.attributes['error.type'] === error.code,
    );
    assert.equal(duration?.value, 1, 'the attempt is in the histogram with its error.type');
  });

  it('a body that stalls is a body-phase timeout for a streamed reader', async () => {
    server.route('/stall', { fault: 'stall-mid-body' });
    const response = await client({ timeout: { attemptMs: 60 } }).get('/stall');
    const reader = response.body!.getReader();
    const error = await (async () => {
      try {
        for (;;) if ((await reader.read()).done) return undefined;
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.phase, 'body');
    await spanEnded();
    await signals.flush();
    expectFailure(signals.spans, { kind: 'timeout', code: 'UND_ERR_BODY_TIMEOUT' });
    expectFailure(signals.events, { kind: 'timeout', upstream: 'files' });
  });

  it('createFetch(): a truncated body is told as a network failure of the call', async () => {
    server.route('/short', { fault: 'wrong-length' });
    const fetch = createFetch({ name: 'files', env: {}, resilience: [] });
    const response = await fetch(`${server.url}/short`);
    assert.equal(response.status, 200);
    await assert.rejects(response.arrayBuffer(), (e: unknown) => e instanceof NetworkError && e.phase === 'body');
    await spanEnded();
    await signals.flush();
    expectFailure(signals.logs, { kind: 'network', code: 'UND_ERR_SOCKET', level: 'error' });
    expectFailure(signals.events, { kind: 'network', upstream: 'files' });
  });

  it('json() on a truncated body fails as network in the body phase, and a GET is retried', async () => {
    server.script('/short-json', { fault: 'wrong-length' }, { status: 200, body: '{"ok":1}' });
    assert.deepEqual(await createClient({ baseUrl: server.url, env: {} }).json('/short-json'), { ok: 1 });
    assert.equal(server.hits('/short-json'), 2);
    server.script('/short-json-once', { fault: 'wrong-length' });
    const error = await client()
      .json('/short-json-once')
      .then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof NetworkError);
    assert.equal(error.code, 'UND_ERR_SOCKET');
    assert.equal(error.phase, 'body');
  });

  it('a body the caller cancels is told as cancelled: no ERROR status, no Sentry event', async () => {
    server.route('/big', { status: 200, body: 'y'.repeat(1_000_000) });
    const response = await client().get('/big');
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await spanEnded();
    await signals.flush();
    assert.equal(signals.spans.length, 1);
    assert.notEqual(signals.spans[0]?.status.code, SpanStatusCode.ERROR);
    assert.equal(signals.spans[0]?.attributes['faultline.failure.kind'], 'cancelled');
    assert.deepEqual(
      signals.events.map((e) => e.tags),
      [],
    );
  });

  it('a body never read is abandoned at the total deadline: told as the success it was, its connection released', async () => {
    server.route('/unread', { status: 200, body: 'z'.repeat(1_000_000) });
    await client({ timeout: { totalMs: 80 } }).get('/unread');
    await spanEnded();
    await signals.flush();
    assert.equal(signals.spans.length, 1, 'the span ended at the deadline');
    assert.equal(signals.spans[0]?.status.code, SpanStatusCode.UNSET);
    assert.equal(signals.spans[0]?.attributes['http.response.status_code'], 200);
    assert.equal(signals.events.length, 0);
    assert.equal(
      signals.logs.filter((line) => line.level === 'error' || line.level === 'warn').length,
      0,
      'no failure line',
    );
  });

  it('without a total deadline, a Response dropped unread is abandoned when it is collected', async () => {
    server.route('/dropped', { status: 200, body: 'w'.repeat(1_000_000) });
    await client({ timeout: { totalMs: 0 } }).get('/dropped');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 50 && signals.spans.length === 0; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await signals.flush();
    assert.equal(signals.spans.length, 1, 'the span ended once its Response was collected');
    assert.equal(signals.spans[0]?.status.code, SpanStatusCode.UNSET);
    assert.equal(signals.events.length, 0);
  });

  // Last: init() makes its own logger the clients' default.
  it('shutdown() waits for a body still arriving: the call is in flight until its last byte', async () => {
    server.route('/slow-body', { fault: 'trickle', intervalMs: 40, chunks: 4 });
    const runtime = await init({ env: {}, shutdownTimeoutMs: 5000 });
    const response = await client().get('/slow-body');
    await runtime.shutdown();
    assert.equal(signals.spans.length, 1, 'the span ended before shutdown() resolved');
    assert.equal(signals.spans[0]?.status.code, SpanStatusCode.UNSET);
    assert.equal(await response.text(), '[0,0,0,0]');
    await init({ env: {} }); // lets calls through again for whatever runs next
  });
});
