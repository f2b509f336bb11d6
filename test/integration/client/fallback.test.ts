// Fallback against the kit's fault server, with every signal real: the OpenTelemetry SDK's
// in-memory readers, winston, and @sentry/node sending to the loopback sink. The caller
// gets the fallback's answer; the failure is still told everywhere, marked
// `faultline.fallback`; a throwing fallback is reported and the original failure thrown.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import * as Sentry from '@sentry/node';
import {
  circuitBreaker,
  createClient,
  createFetch,
  fallback,
  retry,
  type ClientOptions,
  type RequestOptions,
  ServerError,
  TimeoutError,
} from '../../../src/index.js';
import {
  captureSignals,
  type CapturedSignals,
  closedPort,
  expectFailure,
  fakeClock,
  type FaultServer,
  startFaultServer,
} from '../../../src/testing/index.js';

describe('fallback, told by every signal', () => {
  let server: FaultServer;
  let signals: CapturedSignals;
  before(async () => {
    server = await startFaultServer({ '/v1/rates': 503, '/v1/missing': 404, '/v1/slow': 'hang' });
    signals = await captureSignals();
    Sentry.init({ dsn: signals.sentry?.dsn, integrations: [Sentry.openTelemetryIntegration()], tracesSampleRate: 0 });
  });
  after(async () => {
    await Sentry.close(2000);
    await signals.close();
    await server.close();
  });
  beforeEach(() => signals.reset());

  const client = (options: ClientOptions = {}) =>
    createClient({
      name: 'rates',
      baseUrl: server.url,
      env: {},
      clock: fakeClock(),
      resilience: [],
      telemetry: { logger: signals.logger },
      ...options,
    });

  // The instruments keep their totals across tests: each test has an upstream of its own.
  const fallbacks = (upstream: string) =>
    signals.metrics
      .filter((point) => point.name === 'faultline.fallbacks' && point.attributes['faultline.upstream'] === upstream)
      .map((point) => [point.attributes, point.value]);

  it('json() resolves to the value; span, log line, Sentry event and metric say faultline.fallback', async () => {
    const rates = client({ resilience: [fallback({ value: { rates: 'cached' } })] });
    assert.deepEqual(await rates.json('/v1/rates'), { rates: 'cached' });
    await signals.flush();

    const span = signals.spans.at(-1)!;
    assert.equal(span.attributes['faultline.fallback'], true);
    assert.equal(span.attributes['faultline.failure.kind'], 'server');
    assert.equal(span.status.code, SpanStatusCode.ERROR, 'the upstream call failed all the same');

    const line = expectFailure(signals.logs, { kind: 'server', upstream: 'rates', code: '503' });
    const fields = line.source as Record<string, unknown>;
    assert.equal(fields['faultline.fallback'], true);
    assert.equal(line.level, 'warn', 'a degraded answer, not a broken one');
    assert.match(String(fields['message']), /answered by fallback$/);

    const event = expectFailure(signals.events, { kind: 'server', upstream: 'rates', status: 503 });
    assert.equal(event.level, 'warning');
    const sentry = event.source as { tags: Record<string, string>; fingerprint: string[] };
    assert.equal(sentry.tags['faultline.fallback'], 'true');
    assert.deepEqual(sentry.fingerprint, ['faultline', 'rates', 'GET', '/v1/rates', 'server']);

    assert.deepEqual(fallbacks('rates'), [
      [{ 'faultline.upstream': 'rates', 'http.request.method': 'GET', 'faultline.failure.kind': 'server' }, 1],
    ]);
    const failures = signals.metrics.find(
      (point) => point.name === 'faultline.failures' && point.attributes['faultline.upstream'] === 'rates',
    );
    assert.equal(failures?.value, 1, 'the failure is still counted');
  });

  it('a Response-mode call gets a 200 JSON Response built from the value, marked by a header', async () => {
    const rates = client({ resilience: [fallback({ value: { rates: 'cached' } })] });
    const response = await rates.get('/v1/rates');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-faultline-fallback'), 'true');
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.url, `${server.url}/v1/rates`);
    assert.deepEqual(await response.json(), { rates: 'cached' });
  });

  it('createFetch: the fallback answers a 503 (before fetch would resolve to it) and a refused connection', async () => {
    const fetchRates = createFetch({
      name: 'fetch-rates',
      env: {},
      telemetry: { logger: signals.logger },
      resilience: [
        fallback({
          answer: (failure) => Response.json({ stale: true, kind: failure.kind }, { headers: { age: '60' } }),
        }),
      ],
    });
    const answered = await fetchRates(`${server.url}/v1/rates`);
    assert.deepEqual(await answered.json(), { stale: true, kind: 'server' });
    assert.equal(answered.headers.get('age'), '60', 'the Response the function built, as it is');
    const refused = await fetchRates(`http://127.0.0.1:${await closedPort()}/v1/rates`);
    assert.deepEqual(await refused.json(), { stale: true, kind: 'network' });
    assert.equal((await fetchRates(`${server.url}/v1/missing`)).status, 404, 'a 404 is not the upstream unwell');
    await signals.flush();
    assert.deepEqual(
      fallbacks('fetch-rates').map(([attributes]) => (attributes as Record<string, unknown>)['faultline.failure.kind']),
      ['server', 'network'],
    );
  });

  it('an attempt timeout and an open circuit are answered; a 404 is thrown as before', async () => {
    const slow = client({
      timeout: { attemptMs: 50 },
      resilience: [fallback({ answer: async (failure) => `late: ${failure.kind}` })],
    });
    assert.equal(await slow.json('/v1/slow'), 'late: timeout');

    const breaker = circuitBreaker({ failureThreshold: 1, breakDurationMs: 60_000 });
    const guarded = client({ resilience: [fallback({ answer: (failure) => failure.kind }), breaker] });
    server.script('/v1/down', 503);
    assert.equal(await guarded.json('/v1/down'), 'server');
    assert.equal(await guarded.json('/v1/down'), 'circuit_open');
    assert.equal(server.hits('/v1/down'), 1, 'the open circuit sent nothing');

    // Its own attempt deadline: on a loaded machine the new connection may take 50 ms (the
    // hang above destroyed the last one), and that timeout would be answered.
    await assert.rejects(
      slow.json('/v1/missing', { timeout: { attemptMs: 5_000 } }),
      (error: Error) => error.name === 'ClientError',
    );
  });

  it('retries come first: the fallback answers only once the strategy gives up', async () => {
    server.script('/v1/flaky', 503, 503, { status: 200, json: { fresh: true } });
    const flaky = client({ resilience: [fallback({ value: { fresh: false } }), retry({ maxAttempts: 3 })] });
    assert.deepEqual(await flaky.json('/v1/flaky'), { fresh: true });
    server.script('/v1/flaky', 503);
    assert.deepEqual(await flaky.json('/v1/flaky'), { fresh: false });
    assert.equal(server.hits('/v1/flaky'), 3);
    await signals.flush();
    const spans = signals.spans.filter((span) => span.attributes['url.full'] === `${server.url}/v1/flaky`);
    assert.deepEqual(
      spans.map((span) => span.attributes['faultline.fallback']),
      [undefined, undefined, undefined, undefined, undefined, true],
      'only the last attempt of the answered call is marked',
    );
  });

  it('a per-call list with a fallback replaces the client’s; a list without one turns it off', async () => {
    const rates = client({ resilience: [fallback({ value: 'client' })] });
    assert.equal(await rates.json('/v1/rates', { resilience: [fallback({ answer: () => 'call' })] }), 'call');
    await assert.rejects(rates.json('/v1/rates', { resilience: [] }), ServerError);
    // A JavaScript caller's explicit undefined is no list: the client's stands.
    assert.equal(await rates.json('/v1/rates', { resilience: undefined } as unknown as RequestOptions), 'client');
  });

  it('a throwing fallback is reported through the logger, and the original failure is thrown and told unmarked', async () => {
    const rates = client({
      name: 'throwing',
      resilience: [
        fallback({
          answer: () => {
            throw new Error('cache unavailable');
          },
        }),
      ],
    });
    await assert.rejects(rates.json('/v1/rates'), (error: unknown) => {
      assert.ok(error instanceof ServerError);
      assert.equal(error.kind, 'server');
      assert.equal(error.status, 503);
      return true;
    });
    const rejecting = client({
      name: 'throwing',
      resilience: [fallback({ answer: () => Promise.reject(new Error('cache timed out')) })],
    });
    await assert.rejects(rejecting.get('/v1/slow', { timeout: { attemptMs: 50 } }), TimeoutError);
    await signals.flush();

    // 0.2 names the policy and its hook (0.1: `fallback`).
    const reports = signals.logs.filter(
      (line) => line['message'] === 'faultline: fallback (answer) failed; the request goes on',
    );
    assert.deepEqual(
      reports.map((line) => line['error']),
      ['Error: cache unavailable', 'Error: cache timed out'],
    );
    const event = expectFailure(signals.events, { kind: 'server', upstream: 'throwing' });
    assert.equal(event.level, 'error');
    assert.equal((event.source as { tags: Record<string, string> }).tags['faultline.fallback'], undefined);
    const line = expectFailure(signals.logs, { kind: 'server', level: 'error' });
    assert.equal((line.source as Record<string, unknown>)['faultline.fallback'], undefined);
    assert.equal(
      signals.spans.some((span) => span.attributes['faultline.fallback'] !== undefined),
      false,
    );
    assert.deepEqual(fallbacks('throwing'), []);
  });

  it(
    'an async fallback that never settles is cut off after the call’s timeout: the failure is thrown, the span ends',
    { timeout: 5000 },
    async () => {
      let handed: AbortSignal | undefined;
      const rates = client({
        name: 'hanging',
        timeout: { totalMs: 200 },
        resilience: [
          fallback({
            answer: (_failure, call) => {
              handed = call.signal;
              return new Promise(() => undefined);
            },
          }),
        ],
      });
      await assert.rejects(rates.json('/v1/rates'), ServerError);
      assert.equal(handed?.aborted, true, 'the fallback’s own I/O is told to stop');
      await signals.flush();
      const span = signals.spans.find((ended) => ended.attributes['faultline.upstream'] === 'hanging');
      assert.equal(span?.attributes['faultline.failure.kind'], 'server', 'the attempt’s span ended');
      assert.equal(span.attributes['faultline.fallback'], undefined);
      const report = signals.logs.find(
        (line) => line['message'] === 'faultline: fallback (answer) failed; the request goes on',
      );
      assert.match(String(report?.['error']), /did not answer within 200 ms/);
      expectFailure(signals.logs, { kind: 'server', upstream: 'hanging', level: 'error' });
    },
  );

  it(
    'a caller who aborts while an async fallback runs gets the original failure, and nothing is reported',
    { timeout: 5000 },
    async () => {
      const caller = new AbortController();
      let started: () => void = () => undefined;
      const running = new Promise<void>((resolve) => (started = resolve));
      const rates = client({
        name: 'aborting',
        resilience: [
          fallback({
            answer: () => {
              started();
              return new Promise(() => undefined);
            },
          }),
        ],
      });
      const call = rates.json('/v1/rates', { signal: caller.signal });
      await running;
      caller.abort();
      await assert.rejects(call, ServerError);
      await signals.flush();
      assert.equal(
        signals.logs.some((line) => String(line['message']).startsWith('faultline: fallback')),
        false,
      );
      assert.deepEqual(fallbacks('aborting'), []);
      expectFailure(signals.logs, { kind: 'server', upstream: 'aborting', level: 'error' });
    },
  );
});
