import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import type { Logger } from 'winston';
import Transport from 'winston-transport';
import type { FaultServer as FlakyUpstream } from '../../../src/testing/index.js';
import { createClient, retry, throttle } from '../../../src/index.js';
import { createLogger } from '../../../src/signals/logs/createLogger.js';
import { prettyLine } from '../../../src/signals/logs/prettyLine.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import type { OtelHarness } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';

/** Keeps each formatted line as a stream transport would have written it. */
class Lines extends Transport {
  readonly written: string[] = [];
  override log(info: Record<symbol | string, unknown>, next: () => void): void {
    this.written.push(String(info[Symbol.for('message')]));
    next();
  }
}

function loggerWith(format: 'json' | 'pretty'): { logger: Logger; lines: Lines } {
  const lines = new Lines();
  const logger = createLogger({ level: 'warn', format, transports: [lines], defaultMeta: { 'service.name': 'shop' } });
  return { logger, lines };
}

describe('FAULTLINE_LOG_FORMAT=pretty', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let server: FlakyUpstream;
  let otel: OtelHarness;
  before(() => {
    server = upstream.server;
    otel = harness.otel;
  });
  beforeEach(() => {
    otel.reset();
    // Winston stamps lines with Date: fix the time of day the lines show.
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-22T14:02:11.532Z') });
  });
  afterEach(() => mock.timers.reset());

  /** A GET that fails three times with 503 inside the caller's span, logged in `format`. */
  async function failedCall(format: 'json' | 'pretty'): Promise<string[]> {
    server.script('/v1/charges/42', { status: 503 });
    const { logger, lines } = loggerWith(format);
    const client = createClient({
      name: 'payments',
      baseUrl: server.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger, report: false },
      resilience: [retry({ maxAttempts: 3, baseDelayMs: 400, jitter: 'none' }), throttle()],
    });
    await trace
      .getTracer('test')
      .startActiveSpan('checkout', async (span) =>
        assert.rejects(client.get('/v1/charges/42?token=s3cr3t').finally(() => span.end())),
      );
    return lines.written;
  }

  it('one short line a failed attempt: time, level, message, what the message does not say, full ids last', async () => {
    const lines = await failedCall('pretty');
    const attempts = otel
      .finishedSpans()
      .filter((span) => span.kind === SpanKind.CLIENT)
      .sort((a, b) => Number(a.attributes['faultline.attempt']) - Number(b.attributes['faultline.attempt']));
    assert.equal(attempts.length, 3);
    const second = attempts[1]!.spanContext();
    const third = attempts[2]!.spanContext();
    assert.match(second.traceId, /^[0-9a-f]{32}$/);

    assert.equal(lines.length, 3);
    // The attempt's duration is measured, not faked: the one varying figure.
    const [one, two, last] = lines.map((line) => line.replace(/duration_ms=\d+/, 'duration_ms=N'));
    assert.equal(
      two,
      '14:02:11.532 WARN  payments GET /v1/charges/{id} attempt 2 failed (server 503); retrying in 800 ms (backoff)' +
        `  duration_ms=N  trace=${second.traceId} span=${second.spanId}`,
    );
    assert.match(
      one ?? '',
      /attempt 1 failed \(server 503\); retrying in 400 ms \(backoff\) {2}duration_ms=N {2}trace=/,
    );
    assert.equal(
      last,
      '14:02:11.532 ERROR payments GET /v1/charges/{id} failed: server 503 after 3 attempts' +
        `  duration_ms=N stop_reason=max_attempts  trace=${third.traceId} span=${third.spanId}`,
    );
    for (const line of lines) {
      assert.ok(line.length < 200, `${line.length} characters: ${line}`);
      assert.match(line, / trace=[0-9a-f]{32} span=[0-9a-f]{16}$/, 'the full ids end the line');
      assert.ok(!line.includes('\u001b'), 'no colours when the stream is not a terminal');
      assert.doesNotMatch(line, /s3cr3t/);
    }
  });

  it('the JSON format is unchanged: every field, the ids included', async () => {
    const [line] = await failedCall('json');
    const fields = JSON.parse(line ?? '{}') as Record<string, unknown>;
    const attempt = otel.finishedSpans().find((span) => span.attributes['faultline.attempt'] === 1);
    assert.deepEqual(
      { ...fields, 'faultline.duration_ms': 0 },
      {
        'http.request.method': 'GET',
        'url.full': `${server.url}/v1/charges/42?token=REDACTED`,
        'server.address': '127.0.0.1',
        'server.port': server.port,
        'faultline.upstream': 'payments',
        'faultline.route': '/v1/charges/{id}',
        trace_id: attempt?.spanContext().traceId,
        span_id: attempt?.spanContext().spanId,
        'faultline.attempt': 1,
        'http.response.status_code': 503,
        'error.type': '503',
        'faultline.failure.kind': 'server',
        'faultline.duration_ms': 0,
        'faultline.retry.delay_ms': 400,
        'faultline.retry.reason': 'backoff',
        'faultline.retry.delay_source': 'backoff',
        level: 'warn',
        message: 'payments GET /v1/charges/{id} attempt 1 failed (server 503); retrying in 400 ms (backoff)',
        'service.name': 'shop',
        timestamp: '2026-11-22T14:02:11.532Z',
      },
    );
  });

  it('keeps what the message does not say, colours the level only for a terminal', () => {
    const info = {
      level: 'error',
      message: 'payments POST /v1/charges failed: throttled 429 after 2 attempts',
      timestamp: '2026-11-22T14:02:11.532Z',
      'faultline.upstream': 'payments',
      'faultline.attempts': 2,
      'http.request.resend_count': 1,
      'http.response.status_code': 429,
      'error.type': '429',
      'faultline.failure.kind': 'throttled',
      'faultline.stop_reason': 'retry_after_too_long',
      'sentry.event_id': '0123456789abcdef0123456789abcdef',
      note: 'two words',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    };
    assert.equal(
      prettyLine(info),
      '14:02:11.532 ERROR payments POST /v1/charges failed: throttled 429 after 2 attempts' +
        '  stop_reason=retry_after_too_long sentry.event_id=0123456789abcdef0123456789abcdef note="two words"' +
        '  trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7',
    );
    assert.ok(prettyLine(info, true).startsWith('14:02:11.532 \u001b[31mERROR\u001b[0m payments'));
    assert.ok(
      prettyLine(info, true).endsWith('\u001b[2mtrace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7\u001b[0m'),
    );
    // A line of the application's own, outside any span.
    assert.equal(
      prettyLine({ level: 'info', message: 'started', timestamp: '2026-11-22T14:02:11.532Z', port: 8080 }),
      '14:02:11.532 INFO  started  port=8080',
    );
  });
});
