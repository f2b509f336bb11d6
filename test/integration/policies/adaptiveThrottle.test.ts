// adaptiveThrottle against real sockets: the fault server counts what reached it, every
// signal is the real one (winston, the OpenTelemetry SDK, @sentry/node to the loopback
// sink), and the window runs on a fake clock.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import { adaptiveThrottle, createClient, LoadShedError, retry } from '../../../src/index.js';
import { answerProblem } from '../../../src/service/answerProblem.js';
import {
  captureSignals,
  type CapturedSignals,
  expectFailure,
  failuresIn,
  fakeClock,
  type FaultServer,
  startFaultServer,
} from '../../../src/testing/index.js';
import { runAdaptiveThrottleSim } from '../../../fixtures/adaptiveThrottleSim.js';

describe('adaptiveThrottle against a real upstream', () => {
  let server: FaultServer;
  let signals: CapturedSignals;
  before(async () => {
    server = await startFaultServer();
    signals = await captureSignals();
    Sentry.init({ dsn: signals.sentry?.dsn, defaultIntegrations: false });
  });
  after(async () => {
    await Sentry.close(2000);
    await signals.close();
    await server.close();
  });
  beforeEach(() => signals.reset());

  it('a refusal is unsent, a LoadShedError (load_shed, ADAPTIVE_THROTTLE), logged and counted, never sent to Sentry, answered 503', async () => {
    server.script('/v1/busy', { status: 503 });
    const clock = fakeClock();
    const throttled = adaptiveThrottle({ random: () => 0 });
    const client = createClient({
      name: 'busy',
      baseUrl: server.url,
      env: {},
      clock,
      telemetry: { logger: signals.logger },
      // A retry told to retry load_shed: the policy's stop keeps it from a busy loop.
      resilience: [
        retry({ maxAttempts: 5, baseDelayMs: 10, jitter: 'none', retryOn: ['server', 'load_shed'] }),
        throttled,
      ],
    });
    // The first attempt is sent (nothing counted yet), the 503 makes the probability 1/2; the retry is refused.
    const refused = await client.json('/v1/busy').catch((error: unknown) => error);
    assert.ok(refused instanceof LoadShedError, String(refused));
    assert.equal(refused.kind, 'load_shed');
    assert.equal(refused.code, 'ADAPTIVE_THROTTLE');
    assert.equal(refused.attempts, 2);
    assert.match(
      refused.message,
      /Refused locally by adaptiveThrottle: busy is rejecting requests \(rejection probability 0\.50\)/,
    );
    assert.equal(server.hits('/v1/busy'), 1, 'the refused retry was not sent');
    assert.deepEqual(clock.sleeps, [10], 'one backoff before the refused retry, then stopped: no loop');
    assert.equal(throttled.rejectionProbability('busy'), 2 / 3);

    const next = await client.json('/v1/busy').catch((error: unknown) => error);
    assert.ok(next instanceof LoadShedError);
    assert.equal(next.attempts, 1);
    assert.equal(server.hits('/v1/busy'), 1);

    // A failure Sentry is told of, to show the sink hears what is sent.
    const plain = createClient({ name: 'plain', baseUrl: server.url, env: {}, telemetry: { logger: signals.logger } });
    await assert.rejects(plain.json('/status/502'));
    await signals.flush();
    const line = expectFailure(signals.logs, { kind: 'load_shed', upstream: 'busy', code: 'ADAPTIVE_THROTTLE' });
    assert.equal(line.level, 'warn');
    assert.equal((line.source as Record<string, unknown>)['faultline.stop_reason'], 'load_shed');
    assert.deepEqual(
      failuresIn(signals.events).map((told) => [told.kind, told.upstream]),
      [['server', 'plain']],
      'no Sentry event per refusal',
    );
    const failures = signals.metrics.filter(
      (point) =>
        point.name === 'faultline.failures' &&
        point.attributes['faultline.upstream'] === 'busy' &&
        point.attributes['faultline.failure.kind'] === 'load_shed',
    );
    assert.deepEqual(
      failures.map((point) => point.value),
      [2],
    );
    const problem = answerProblem(next, { url: '/checkout', accept: 'application/problem+json' }, {});
    assert.equal(problem.status, 503);
    assert.equal(problem.kind, 'load_shed');
  });

  it('a healthy upstream is never throttled (no random number drawn)', async () => {
    server.script('/v1/ok', { status: 200, json: { ok: true } });
    let draws = 0;
    const client = createClient({
      name: 'calm',
      baseUrl: server.url,
      env: {},
      clock: fakeClock(),
      telemetry: { enabled: false },
      resilience: [adaptiveThrottle({ random: () => (draws++, 0) })],
    });
    for (let i = 0; i < 50; i++) assert.deepEqual(await client.json('/v1/ok'), { ok: true });
    assert.equal(server.hits('/v1/ok'), 50);
    assert.equal(draws, 0);
  });

  it('measured: an upstream failing 90% fast receives at most K × accepted + a small floor', async () => {
    const bare = await runAdaptiveThrottleSim({ bare: true, sickSeconds: 60, healedSeconds: 0 });
    assert.equal(bare.sick.sent, 600, 'without the policy every call reaches it');
    for (const seed of [1, 2, 3]) {
      const run = await runAdaptiveThrottleSim({ seed, sickSeconds: 60, healedSeconds: 0 });
      const { sent, accepted, shed, calls } = run.sick;
      assert.equal(sent + shed, calls, `seed ${seed}: every call either sent or shed`);
      assert.ok(sent <= 2 * accepted + 20, `seed ${seed}: sent ${sent}, accepted ${accepted}`);
    }
  });

  it('measured: once the upstream heals, all traffic flows again within the window (recovery accepting); the book takes windows', async () => {
    // A sick phase not a whole number of windows, so the last rejections are still in the window when it heals.
    const common = { windowMs: 30_000, callsPerSecond: 5, sickSeconds: 75, healedSeconds: 180 } as const;
    for (const seed of [1, 2, 3]) {
      const run = await runAdaptiveThrottleSim({ seed, ...common });
      const { sent, accepted, shed, calls } = run.sick;
      assert.equal(sent + shed, calls, `seed ${seed}`);
      assert.ok(
        sent <= 2 * accepted + 20,
        `seed ${seed}: the bound holds while sick: sent ${sent}, accepted ${accepted}`,
      );
      assert.ok(
        run.recoveredAfterS !== undefined && run.recoveredAfterS <= 30,
        `seed ${seed}: no refusal after the first window healed: ${run.recoveredAfterS}`,
      );
      assert.deepEqual(run.sentShareHealed.slice(1), [1, 1, 1, 1, 1], `seed ${seed}: full traffic from then on`);
      const book = await runAdaptiveThrottleSim({ seed, recovery: 'book', ...common });
      assert.ok(book.sentShareHealed[0]! < 0.5, `seed ${seed}: the book still refuses most of the first window`);
      assert.ok(
        book.recoveredAfterS === undefined || book.recoveredAfterS > 30,
        `seed ${seed}: the book refuses after a window: ${book.recoveredAfterS}`,
      );
    }
  });

  it('measured: around 1/k, no oscillation: at 55% accepted all is sent, at 45% never a burst of full traffic', async () => {
    const common = { windowMs: 30_000, callsPerSecond: 5, sickSeconds: 240, healedSeconds: 0 } as const;
    for (const seed of [1, 2]) {
      const above = await runAdaptiveThrottleSim({ seed, sickAcceptShare: 0.55, ...common });
      assert.deepEqual(above.sentShareSickPer30s.slice(1), [1, 1, 1, 1, 1, 1, 1], `seed ${seed}: 55%`);
      const below = await runAdaptiveThrottleSim({ seed, sickAcceptShare: 0.45, ...common });
      // The upstream accepts 45% whatever its load, so k·accepts never catches up with what is sent: it decays.
      assert.ok(
        below.sentShareSickPer30s.every((share) => share < 0.5),
        `seed ${seed}: 45%: ${below.sentShareSickPer30s.join(' ')}`,
      );
      assert.ok(below.sick.sent < below.sick.calls / 4, `seed ${seed}: 45%: sent ${below.sick.sent}`);
    }
  });
});
