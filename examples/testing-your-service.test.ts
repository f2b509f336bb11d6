// Testing your own service's failure handling with faultline/testing: copy this file next to
// your service's tests. It runs under node:test as it is (vitest and jest work the same way:
// the assertions throw AssertionError).
//
// Shows: a scripted upstream (a 429 with Retry-After, a hang, a 401 that needs a refresh),
// every signal captured in memory (spans, metrics, log lines, decoded Sentry events),
// assertions in the failure vocabulary, a fake clock so backoff takes no time, and a unit
// test on undici's MockAgent that opens no socket.
//
// Run: npm run build && node --test dist/examples/testing-your-service.test.js
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import { MockAgent } from 'undici';
import { bearerToken, type Client, createClient, isRequestFailure, retry, throttle } from 'faultline';
import {
  captureSignals,
  type CapturedSignals,
  expectCallFailure,
  expectFailure,
  expectNoFailure,
  fakeClock,
  type FaultServer,
  startFaultServer,
} from 'faultline/testing';

// ---- the service under test (in your code base, this lives in src/) ----

/** Today's EUR rate from the fx upstream; the last known rate when the upstream is unwell. */
async function eurRate(fx: Client, lastKnown: number): Promise<{ rate: number; stale: boolean }> {
  try {
    const { eur } = await fx.json<{ eur: number }>('/v1/rates/eur');
    return { rate: eur, stale: false };
  } catch (error) {
    if (isRequestFailure(error) && ['timeout', 'network', 'server', 'throttled'].includes(error.kind))
      return { rate: lastKnown, stale: true };
    throw error;
  }
}

// ---- its tests ----

describe('eurRate() when the fx upstream fails', () => {
  let upstream: FaultServer;
  let signals: CapturedSignals;

  before(async () => {
    // Before the clients are made: they log to the capture's logger.
    signals = await captureSignals();
    // Your app's own Sentry set-up, pointed at the capture's loopback sink.
    Sentry.init({ dsn: signals.sentry?.dsn, integrations: [Sentry.openTelemetryIntegration()] });
    upstream = await startFaultServer();
  });
  after(async () => {
    await Sentry.close(2000);
    await upstream.close();
    await signals.close();
  });

  const fxClient = (timeout: { attemptMs?: number } = {}) =>
    createClient({
      name: 'fx',
      baseUrl: upstream.url,
      clock: fakeClock(), // backoff and Retry-After waits take no time
      resilience: [retry({ maxAttempts: 3 }), throttle()],
      timeout,
    });

  it('waits as long as a 429 asks, then gets the rate; nothing reaches Sentry', async () => {
    signals.reset();
    upstream.route('/v1/rates/eur', [
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 200, json: { eur: 1.08 } },
    ]);
    const clock = fakeClock();
    const fx = createClient({ name: 'fx', baseUrl: upstream.url, clock, resilience: [retry(), throttle()] });

    assert.deepEqual(await eurRate(fx, 1), { rate: 1.08, stale: false });
    assert.deepEqual(clock.sleeps, [3000], 'the server’s Retry-After, not our backoff');
    assert.equal(upstream.hits('/v1/rates/eur'), 2);
    await signals.flush();
    expectFailure(signals.logs, { kind: 'throttled', upstream: 'fx', status: 429, level: 'warn' });
    expectNoFailure(signals.events);
  });

  it('falls back to the last known rate when the upstream hangs, and Sentry hears of it once', async () => {
    signals.reset();
    upstream.route('/v1/rates/eur', 'hang');

    assert.deepEqual(await eurRate(fxClient({ attemptMs: 50 }), 1.07), { rate: 1.07, stale: true });
    assert.equal(upstream.hits('/v1/rates/eur'), 3, 'three attempts');
    await signals.flush();
    const event = expectFailure(signals.events, { kind: 'timeout', upstream: 'fx', route: '/v1/rates/eur' });
    assert.equal(event.level, 'error');
    assert.equal(signals.events.length, 1, 'one event per failed call, not per attempt');
    assert.equal(signals.spans.length, 3, 'one span per attempt');
    expectFailure(signals.spans, { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' });
    const failures = signals.metrics.filter(
      (point) =>
        point.name === 'http.client.request.duration' && point.attributes['error.type'] === 'UND_ERR_HEADERS_TIMEOUT',
    );
    assert.equal(failures[0]?.value, 3);
  });

  it('refreshes an expired token once and never sends it to the logs', async () => {
    signals.reset();
    let token = 'old';
    upstream.handle('/v1/rates/eur', (request, response) => {
      const ok = request.headers.authorization === 'Bearer new';
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"eur":1.09}' : '');
    });
    const fx = createClient({
      name: 'fx',
      baseUrl: upstream.url,
      auth: bearerToken({ getToken: () => token, refresh: () => (token = 'new') }),
    });

    assert.deepEqual(await eurRate(fx, 1), { rate: 1.09, stale: false });
    assert.deepEqual(
      upstream.seen('/v1/rates/eur').map((request) => request.headers.authorization),
      ['Bearer old', 'Bearer new'],
    );
    assert.ok(!JSON.stringify(signals.logs).includes('Bearer'), 'no credentials in any log line');
  });

  it('a client error is not the upstream being unwell: it reaches the caller', async () => {
    upstream.route('/v1/rates/eur', 404);
    await expectCallFailure(eurRate(fxClient(), 1), { kind: 'client', status: 404 });
  });
});

// A unit test with no socket at all: the client on undici's MockAgent (any undici Dispatcher
// works as `transport.dispatcher`); the same assertions apply.
describe('eurRate() on a MockAgent', () => {
  it('retries a 503 and parses the rate', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get('https://fx.internal');
    pool.intercept({ path: '/v1/rates/eur' }).reply(503, 'down');
    pool.intercept({ path: '/v1/rates/eur' }).reply(200, { eur: 1.1 });
    const logs = await captureSignals({ otel: false, sentry: false, defaultLogger: false });
    const fx = createClient({
      name: 'fx',
      baseUrl: 'https://fx.internal',
      transport: { dispatcher: mock },
      telemetry: { logger: logs.logger },
      clock: fakeClock(),
      resilience: [retry({ maxAttempts: 2 }), throttle()],
    });

    assert.deepEqual(await eurRate(fx, 1), { rate: 1.1, stale: false });
    mock.assertNoPendingInterceptors();
    expectFailure(logs.logs, { kind: 'server', status: 503, upstream: 'fx' });
    await logs.close();
    await mock.close();
  });
});
