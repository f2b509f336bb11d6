import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { FaultServer as FlakyUpstream } from '../../../src/testing/index.js';
import { ConfigError } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, pointsOf } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';
import { retryOnceAtOnce } from './retryOnceAtOnce.js';

/** One immediate retry of any failure: each call is one retried attempt's line and one call's line. */
const RETRY_ONCE = [retryOnceAtOnce];

const SUPPRESSED = 'faultline.log.suppressed';

describe('storm sampling of failure log lines (real upstream, winston and OpenTelemetry)', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let server: FlakyUpstream;
  let otel: OtelHarness;
  before(() => {
    server = upstream.server;
    otel = harness.otel;
    server.script('/down', { status: 503 });
    server.script('/missing', { status: 404 });
  });
  beforeEach(() => otel.reset());

  it('FAULTLINE_LOG_SAMPLE_*: the lines the rule allows, the held-back counts on the next line and in the counter', async () => {
    const logs = captureLogs();
    const client = upstream.client({
      name: 'storm',
      telemetry: { logger: logs.logger, report: false },
      resilience: RETRY_ONCE,
      env: { FAULTLINE_LOG_SAMPLE_INITIAL: '3', FAULTLINE_LOG_SAMPLE_THEREAFTER: '4' },
    });
    // On the suite's fake clock no time passes: one second of the client's clock.
    for (let i = 0; i < 20; i++) await assert.rejects(client.get(`/down?n=${i + 1}`));
    for (let i = 0; i < 10; i++) await assert.rejects(client.get(`/missing?n=${i + 1}`));
    for (let i = 0; i < 30; i++) assert.equal((await client.get(`/ok?n=${i + 1}`)).status, 200);

    const linesOf = (path: string, level: string) =>
      logs.lines
        .filter((line) => String(line['url.full']).includes(`${path}?`) && line['level'] === level)
        .map((line) => [Number(String(line['url.full']).split('n=')[1]), line[SUPPRESSED]]);
    // /down: lines 1–3, then one in 4 (#7, #11, #15, #19), each after 3 held back; #20 is held
    // back. Retried attempts (warn) and calls (error) are sampled by budgets of their own.
    const down = [
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [7, 3],
      [11, 3],
      [15, 3],
      [19, 3],
    ];
    assert.deepEqual(linesOf('/down', 'warn'), down);
    assert.deepEqual(linesOf('/down', 'error'), down);
    // /missing is a fingerprint of its own (route and kind): its count starts again at 1.
    // Its call lines are warn (client), beside its retried attempts' warn lines.
    const missing = [
      [1, undefined],
      [1, undefined],
      [2, undefined],
      [2, undefined],
      [3, undefined],
      [3, undefined],
      [7, 3],
      [7, 3],
    ];
    assert.deepEqual(linesOf('/missing', 'warn'), missing);
    // Successes at debug are never sampled.
    assert.equal(linesOf('/ok', 'debug').length, 30);

    // Spans and metrics are never sampled: every attempt is a span and a duration point.
    const spans = otel.finishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    assert.equal(spans.length, 2 * 20 + 2 * 10 + 30);
    const metrics = await otel.collect();
    const durations = pointsOf<{ count: number }>(metrics.get('http.client.request.duration'), {
      'faultline.upstream': 'storm',
    });
    assert.equal(
      durations.reduce((sum, point) => sum + point.value.count, 0),
      90,
    );
    // The counter: every line held back, by upstream and kind (both streams).
    const held = (kind: string) =>
      pointsOf(metrics.get('faultline.log.suppressed'), {
        'faultline.upstream': 'storm',
        'faultline.failure.kind': kind,
      })[0]?.value;
    assert.equal(held('server'), 2 * 13);
    assert.equal(held('client'), 2 * 6);
  });

  it('the option wins over the environment: false, or initial 0, writes every line', async () => {
    for (const logSampling of [false, { initial: 0 }] as const) {
      const logs = captureLogs();
      const client = upstream.client({
        name: 'unsampled',
        telemetry: { logger: logs.logger, report: false, logSampling },
        resilience: RETRY_ONCE,
        env: { FAULTLINE_LOG_SAMPLE_INITIAL: '1', FAULTLINE_LOG_SAMPLE_THEREAFTER: '0' },
      });
      for (let i = 0; i < 20; i++) await assert.rejects(client.get('/down'));
      assert.equal(logs.lines.length, 40, JSON.stringify(logSampling));
      assert.ok(logs.lines.every((line) => line[SUPPRESSED] === undefined));
    }
  });

  it('the option in code: its values over the environment, a bad one a ConfigError naming it', async () => {
    const logs = captureLogs();
    const client = upstream.client({
      name: 'coded',
      telemetry: { logger: logs.logger, report: false, logSampling: { initial: 2 } },
      resilience: RETRY_ONCE,
      env: { FAULTLINE_LOG_SAMPLE_INITIAL: '50', FAULTLINE_LOG_SAMPLE_THEREAFTER: '3' },
    });
    for (let i = 0; i < 10; i++) await assert.rejects(client.get('/down'));
    // initial from the option (2), thereafter from the environment (3): #1, #2, #5, #8.
    assert.deepEqual(
      logs.lines.filter((line) => line['level'] === 'error').map((line) => line[SUPPRESSED]),
      [undefined, undefined, 2, 2],
    );
    assert.throws(
      () => upstream.client({ telemetry: { logSampling: { thereafter: -1 } } }),
      (error) =>
        error instanceof ConfigError &&
        error.variable === 'telemetry.logSampling.thereafter' &&
        /expected a whole number of lines from 0 to 1000000/.test(error.message),
    );
  });
});
