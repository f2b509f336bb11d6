import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogSignal, type TraceIdSource } from '../../../src/signals/logs/logSignal.js';
import { logWriterFor } from '../../../src/signals/logs/logWriter.js';
import { prettyLine } from '../../../src/signals/logs/prettyLine.js';
import type { LogSamplingRule } from '../../../src/signals/logs/logSampler.js';
import type { FailureKind } from '../../../src/types/failure.js';
import type { AttemptOutcome, CallInfo, CallOutcome } from '../../../src/types/observers.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';

const SUPPRESSED = 'faultline.log.suppressed';

function callOf(n: number, route = '/v1/charges/{id}'): CallInfo {
  return {
    upstream: 'payments',
    method: 'GET',
    requestMethod: 'GET',
    url: `https://payments.internal/v1/charges/${n}`,
    serverAddress: 'payments.internal',
    serverPort: 443,
    route,
    startedAt: 0,
  };
}

function failedCall(kind: FailureKind = 'server', attempts = 1): CallOutcome {
  return {
    attempts,
    status: 503,
    failure: { kind, code: '503', status: 503, message: 'Service Unavailable' },
    durationMs: 12,
    stopReason: 'max_attempts',
  };
}

const retriedAttempt: AttemptOutcome = {
  attempt: 1,
  status: 503,
  failure: { kind: 'server', code: '503', status: 503, message: 'Service Unavailable' },
  durationMs: 5,
  retry: { delayMs: 0, reason: 'backoff', delaySource: 'backoff' },
};

/** A log signal writing to a real winston logger, sampled on a fake clock, its held-back lines counted. */
function signalOf(rule: LogSamplingRule | undefined, level = 'debug') {
  const logs = captureLogs(level);
  const clock = fakeClock();
  let counted = 0;
  const signal = createLogSignal(logWriterFor(logs.logger), rule, clock.now, () => ({ add: () => counted++ }));
  return { signal, lines: logs.lines, clock, counted: () => counted };
}

/** Trace ids that count how often a line asked for them. */
function idSource(): TraceIdSource & { asked: number } {
  return {
    asked: 0,
    traceIds() {
      this.asked++;
      return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
    },
  };
}

const numberOf = (line: Record<string, unknown>): number => Number(String(line['url.full']).split('/').pop());
const sumOf = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);

describe('failure log lines sampled in a storm (real winston)', () => {
  it('10,000 failed calls on a fake clock: exactly the lines the rule allows, and the suppressed counts add up', () => {
    const { signal, lines, clock, counted } = signalOf({ initial: 100, thereafter: 100 });
    // 10,050 failures in one second of the client's clock, then one in the next second.
    for (let n = 1; n <= 10_050; n++) signal.callEnded(callOf(n), failedCall(), undefined);
    clock.advance(1000);
    signal.callEnded(callOf(10_051), failedCall(), undefined);

    const expected = [
      ...Array.from({ length: 100 }, (_, i) => i + 1),
      ...Array.from({ length: 99 }, (_, i) => (i + 2) * 100),
      10_051,
    ];
    assert.deepEqual(lines.map(numberOf), expected);
    // Each line written after a gap carries the gap; the first 100 carry nothing.
    const carried = lines.map((line) => line[SUPPRESSED]);
    assert.deepEqual(carried, [...Array<undefined>(100).fill(undefined), ...Array<number>(99).fill(99), 50]);
    assert.equal(sumOf(carried.map((c) => (typeof c === 'number' ? c : 0))), 10_051 - lines.length);
    assert.equal(counted(), 10_051 - lines.length);
    // A written line is the whole line: level, message and fields.
    const line = lines[100];
    assert.equal(line?.['faultline.failure.kind'], 'server');
    assert.equal(line?.['level'], 'error');
    assert.equal(line?.['message'], 'payments GET /v1/charges/{id} failed: server 503 after 1 attempt');
  });

  it('the line of a failure that became a Sentry event is always written, with its event id', () => {
    const { signal, lines, counted } = signalOf({ initial: 2, thereafter: 0 });
    // Events for calls 5 and 6 (as the Sentry cap would let a few through mid-storm).
    for (let n = 1; n <= 10; n++)
      signal.callEnded(callOf(n), failedCall(), undefined, n === 5 || n === 6 ? `event-${n}` : undefined);
    assert.deepEqual(
      lines.map((line) => [numberOf(line), line['sentry.event_id'], line[SUPPRESSED]]),
      [
        [1, undefined, undefined],
        [2, undefined, undefined],
        [5, 'event-5', 2],
        [6, 'event-6', undefined],
      ],
    );
    assert.equal(counted(), 6);
  });

  it('two fingerprints are sampled independently', () => {
    const { signal, lines } = signalOf({ initial: 100, thereafter: 100 });
    for (let n = 1; n <= 300; n++) {
      signal.callEnded(callOf(n, '/v1/charges/{id}'), failedCall('server'), undefined);
      signal.callEnded(callOf(n, '/v1/refunds/{id}'), failedCall('server'), undefined);
    }
    for (const route of ['/v1/charges/{id}', '/v1/refunds/{id}']) {
      const mine = lines.filter((line) => line['faultline.route'] === route);
      // A shared budget would write 100 + 5 in all; each has its own: 100 + #200 + #300.
      assert.deepEqual(mine.map(numberOf), [...Array.from({ length: 100 }, (_, i) => i + 1), 200, 300], route);
    }
  });

  it('successes at debug are never sampled, even amid a storm of failures', () => {
    const { signal, lines, counted } = signalOf({ initial: 10, thereafter: 100 });
    for (let n = 1; n <= 1000; n++) {
      signal.callEnded(callOf(n), failedCall(), undefined);
      signal.callEnded(callOf(n), { attempts: 1, status: 200, durationMs: 3 }, undefined);
    }
    assert.equal(lines.filter((line) => line['level'] === 'debug').length, 1000);
    assert.equal(lines.filter((line) => line['level'] === 'error').length, 10 + 9);
    assert.equal(counted(), 1000 - 19);
  });

  it("retried attempts' lines and calls' lines each have their own budget", () => {
    const { signal, lines, counted } = signalOf({ initial: 100, thereafter: 10 });
    for (let n = 1; n <= 150; n++) {
      signal.attemptRetried(callOf(n), retriedAttempt, idSource());
      signal.callEnded(callOf(n), failedCall('server', 2), undefined);
    }
    // 100 + #110 … #150 of each; one shared budget would have written 120 lines, not 210.
    const expected = [...Array.from({ length: 100 }, (_, i) => i + 1), 110, 120, 130, 140, 150];
    assert.deepEqual(lines.filter((line) => line['level'] === 'warn').map(numberOf), expected);
    assert.deepEqual(lines.filter((line) => line['level'] === 'error').map(numberOf), expected);
    assert.equal(counted(), 2 * (150 - 105));
  });

  it('a held-back line costs no line: its trace ids are not even looked up', () => {
    const { signal, lines } = signalOf({ initial: 5, thereafter: 1000 });
    const ids = idSource();
    for (let n = 1; n <= 500; n++) signal.attemptRetried(callOf(n), retriedAttempt, ids);
    assert.equal(lines.length, 5);
    assert.equal(ids.asked, 5);
    assert.equal(lines[0]?.['trace_id'], '0af7651916cd43dd8448eb211c80319c');
  });

  it('a line the level turns off is not counted as held back', () => {
    const { signal, lines, counted } = signalOf({ initial: 1, thereafter: 0 }, 'error');
    for (let n = 1; n <= 50; n++) signal.attemptRetried(callOf(n), retriedAttempt, idSource());
    signal.callEnded(callOf(51), failedCall(), undefined);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.[SUPPRESSED], undefined);
    assert.equal(counted(), 0);
  });

  it('without a rule every failure line is written', () => {
    const { signal, lines } = signalOf(undefined);
    for (let n = 1; n <= 500; n++) signal.callEnded(callOf(n), failedCall(), undefined);
    assert.equal(lines.length, 500);
  });
});

describe('the line of a call a fallback answered', () => {
  it('is a warning, not an error, and says so in a field and in its message', () => {
    const { signal, lines } = signalOf(undefined);
    signal.callEnded(callOf(1), { ...failedCall('server'), fallback: true }, undefined);
    signal.callEnded(callOf(2), failedCall('server'), undefined);
    const [answered, unanswered] = lines;
    assert.equal(answered?.['level'], 'warn');
    assert.equal(answered?.['faultline.fallback'], true);
    assert.equal(answered?.['faultline.failure.kind'], 'server');
    assert.equal(
      answered?.['message'],
      'payments GET /v1/charges/{id} failed: server 503 after 1 attempt; answered by fallback',
    );
    assert.equal(unanswered?.['level'], 'error');
    assert.equal(unanswered?.['faultline.fallback'], undefined);
  });

  it('a pretty line says it once, in the message', () => {
    const { signal, lines } = signalOf(undefined);
    signal.callEnded(callOf(1), { ...failedCall('timeout'), fallback: true }, undefined);
    const pretty = prettyLine(lines[0]!);
    assert.match(pretty, /answered by fallback/);
    assert.doesNotMatch(pretty, /fallback=true/);
  });
});
