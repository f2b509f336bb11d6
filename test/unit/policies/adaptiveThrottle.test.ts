import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptiveThrottle, ConfigError, retry } from '../../../src/index.js';
import { ADAPTIVE_THROTTLE, rejectionProbability } from '../../../src/policies/adaptiveThrottle/adaptiveThrottle.js';
import type { Failure } from '../../../src/types/failure.js';
import { UNDECIDED, type FailedAttempt, type Verdict } from '../../../src/types/policy.js';
import { attemptInfo, buildPolicy, serverError } from './policyHarness.js';

const failed = (failure: Failure, overrides: Partial<FailedAttempt> = {}): FailedAttempt => ({
  ...attemptInfo(),
  failure,
  durationMs: 1,
  replayable: true,
  elapsedMs: 1,
  previousDelayMs: 0,
  remainingMs: Infinity,
  signal: new AbortController().signal,
  ...overrides,
});
const succeeded = () => ({ ...attemptInfo(), status: 200, durationMs: 1, elapsedMs: 1 });

describe('adaptiveThrottle: the SRE book’s client-side throttling', () => {
  it('the rejection probability is max(0, (requests − k·accepts) / (requests + 1))', () => {
    assert.equal(rejectionProbability(0, 0, 2), 0);
    assert.equal(rejectionProbability(10, 10, 2), 0);
    assert.equal(rejectionProbability(10, 5, 2), 0);
    assert.equal(rejectionProbability(9, 0, 2), 0.9);
    assert.equal(rejectionProbability(99, 10, 2), 0.79);
    assert.equal(rejectionProbability(99, 10, 1.5), 0.84);
  });

  it('recovery accepting: 0 while the sent requests are accepted at least 1/k of the time, else the book’s', () => {
    // 99 requests of which 20 sent, 10 of these accepted: k·accepts = sent.
    assert.equal(rejectionProbability(99, 10, 2, 20), 0);
    assert.equal(rejectionProbability(99, 10, 2, 21), 0.79);
    assert.equal(rejectionProbability(99, 10, 1.5, 15), 0);
    assert.equal(rejectionProbability(99, 10, 1.5, 16), 0.84);
    assert.equal(rejectionProbability(9, 0, 2, 0), 0, 'nothing sent in the window: nothing to judge, send');
  });

  it('recovery accepting switches both ways: refusals stop counting once the sent calls are accepted ≥ 1/k, count again below', () => {
    const draws: number[] = [];
    const policy = adaptiveThrottle({ random: () => draws.shift() ?? 0 });
    const book = adaptiveThrottle({ recovery: 'book', random: () => 0 });
    const { hooks } = buildPolicy(policy);
    const { hooks: bookHooks } = buildPolicy(book);
    const both = (act: (h: typeof hooks) => unknown) => [act(hooks), act(bookHooks)];
    // Sick: 4 sent, all rejected; then 6 refusals (a draw of 0 refuses at any probability above 0).
    for (let i = 0; i < 4; i++) both((h) => h.afterFailure!(failed(serverError), UNDECIDED));
    for (let i = 0; i < 6; i++)
      assert.deepEqual(
        both((h) => h.beforeAttempt!(attemptInfo())?.code),
        [ADAPTIVE_THROTTLE, ADAPTIVE_THROTTLE],
      );
    assert.deepEqual(
      [policy.rejectionProbability('upstream'), book.rejectionProbability('upstream')],
      [10 / 11, 10 / 11],
    );
    // Healed: sent calls accepted. 4 sent 1 accepted: 2 < 4, still the book's (11 − 2) / 12.
    both((h) => h.onSuccess!(succeeded()));
    assert.deepEqual([policy.rejectionProbability('upstream'), book.rejectionProbability('upstream')], [0.75, 0.75]);
    // 6 sent 2 accepted: 4 < 6, the book's (12 − 4) / 13; then 8 sent 4 accepted: 8 ≥ 8, 0.
    both((h) => h.onSuccess!(succeeded()));
    assert.equal(policy.rejectionProbability('upstream'), 8 / 13);
    for (let i = 0; i < 2; i++) both((h) => h.onSuccess!(succeeded()));
    assert.equal(policy.rejectionProbability('upstream'), 0, 'the six refusals no longer count');
    assert.equal(book.rejectionProbability('upstream'), (14 - 8) / 15, 'the book still counts them');
    draws.push(0);
    assert.equal(hooks.beforeAttempt!(attemptInfo()), undefined, 'sent, whatever the draw');
    assert.equal(draws.length, 1, 'no random number drawn at 0');
    // Sick again: one rejection makes 9 sent 4 accepted: 8 < 9, the refusals count again: (15 − 8) / 16.
    hooks.afterFailure!(failed(serverError), UNDECIDED);
    assert.equal(policy.rejectionProbability('upstream'), 7 / 16);
    assert.equal(hooks.beforeAttempt!(attemptInfo())?.code, ADAPTIVE_THROTTLE, 'a draw of 0 is under 7/16');
  });

  it('recovery accepting: the window forgetting every sent call lets the next one through (fake clock)', () => {
    const policy = adaptiveThrottle({ windowMs: 10_000, random: () => 0 });
    const book = adaptiveThrottle({ windowMs: 10_000, recovery: 'book', random: () => 0 });
    const built = [buildPolicy(policy), buildPolicy(book)];
    for (const { hooks } of built) hooks.afterFailure!(failed(serverError), UNDECIDED);
    for (const { clock } of built) clock.advance(1_000);
    // Refused over the next 9 s: the rejection stays in the window.
    for (const { hooks, clock } of built)
      for (let i = 0; i < 9; i++) {
        assert.equal(hooks.beforeAttempt!(attemptInfo())?.code, ADAPTIVE_THROTTLE);
        clock.advance(1_000);
      }
    // The rejection's bucket is out: only refusals are left.
    assert.equal(policy.rejectionProbability('upstream'), 0, 'nothing sent in the window: a probe goes');
    assert.equal(book.rejectionProbability('upstream'), 0.9, 'the book refuses on its own refusals');
  });

  it('counts successes as accepts and overload failures as rejections; refuses with the injected randomness', () => {
    const draws = [0.5, 0.95, 0.1];
    const policy = adaptiveThrottle({ random: () => draws.shift() ?? 0 });
    const { hooks } = buildPolicy(policy);
    hooks.onSuccess!(succeeded());
    for (let i = 0; i < 8; i++) hooks.afterFailure!(failed(serverError), UNDECIDED);
    // 9 requests, 1 accept: (9 − 2) / 10.
    assert.equal(policy.rejectionProbability('upstream'), 0.7);
    const refused = hooks.beforeAttempt!(attemptInfo());
    assert.deepEqual(
      refused && { kind: refused.kind, code: refused.code },
      { kind: 'load_shed', code: 'ADAPTIVE_THROTTLE' },
      'a draw of 0.5 is under 0.7: refused',
    );
    // The refusal is a request: (10 − 2) / 11.
    assert.equal(policy.rejectionProbability('upstream'), 8 / 11);
    assert.equal(hooks.beforeAttempt!(attemptInfo()), undefined, 'a draw of 0.95 lets it through');
    assert.equal(policy.rejectionProbability('upstream'), 8 / 11, 'an attempt let through counts when it ends');
  });

  it('draws no random number while the probability is 0', () => {
    let draws = 0;
    const { hooks } = buildPolicy(adaptiveThrottle({ random: () => (draws++, 0) }));
    for (let i = 0; i < 5; i++) {
      assert.equal(hooks.beforeAttempt!(attemptInfo()), undefined);
      hooks.onSuccess!(succeeded());
    }
    assert.equal(draws, 0);
  });

  it('which failures are rejections, accepts, or neither', () => {
    const told: [Failure, string][] = [
      [{ kind: 'throttled', code: '429', status: 429, message: '' }, 'rejected'],
      [{ kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT', phase: 'headers', message: '' }, 'rejected'],
      [{ kind: 'server', code: '502', status: 502, message: '' }, 'rejected'],
      [{ kind: 'client', code: '404', status: 404, message: '' }, 'accepted'],
      [{ kind: 'invalid_response', code: 'INVALID_JSON', status: 200, message: '' }, 'accepted'],
      [{ kind: 'network', code: 'ECONNREFUSED', phase: 'connect', message: '' }, 'neither'],
      [{ kind: 'throttled', code: 'THROTTLE_HOLD', retryAfterMs: 10, message: '' }, 'neither'],
      [{ kind: 'circuit_open', code: 'CIRCUIT_OPEN', message: '' }, 'neither'],
      [{ kind: 'cancelled', code: 'ABORT_ERR', message: '' }, 'neither'],
    ];
    // Each failure, then one 503 (a rejection): 2 requests 0 accepts (2/3), 2 and 1 (0), or 1 and 0 (1/2).
    const verdictOf = { rejected: 2 / 3, accepted: 0, neither: 1 / 2 } as const;
    for (const [failure, expected] of told) {
      const one = adaptiveThrottle();
      const { hooks } = buildPolicy(one);
      hooks.afterFailure!(failed(failure), UNDECIDED);
      hooks.afterFailure!(failed(serverError), UNDECIDED);
      assert.equal(
        one.rejectionProbability('upstream'),
        verdictOf[expected as keyof typeof verdictOf],
        `${failure.kind} ${failure.code}`,
      );
    }
  });

  it('network failures count as rejections when listed in rejectOn', () => {
    const policy = adaptiveThrottle({ k: 1, rejectOn: ['network'] });
    const { hooks } = buildPolicy(policy);
    hooks.afterFailure!(failed({ kind: 'network', code: 'ECONNRESET', message: '' }), UNDECIDED);
    hooks.afterFailure!(failed(serverError), UNDECIDED);
    assert.equal(policy.rejectionProbability('upstream'), 1 / 3, 'the 503 is an accept when server is not listed');
  });

  it('forgets what fell out of the window (fake clock)', () => {
    const policy = adaptiveThrottle({ windowMs: 10_000 });
    const { hooks, clock } = buildPolicy(policy);
    for (let i = 0; i < 9; i++) hooks.afterFailure!(failed(serverError), UNDECIDED);
    assert.equal(policy.rejectionProbability('upstream'), 0.9);
    clock.advance(5_000);
    hooks.afterFailure!(failed(serverError), UNDECIDED);
    assert.equal(policy.rejectionProbability('upstream'), 10 / 11);
    clock.advance(5_000);
    // The first nine were counted in the bucket [0, 1000): gone once the window starts at 1000.
    assert.equal(policy.rejectionProbability('upstream'), 0.5);
    clock.advance(10_000);
    assert.equal(policy.rejectionProbability('upstream'), 0);
  });

  it('per route on request: one overloaded route does not throttle the others', () => {
    const policy = adaptiveThrottle({ perRoute: true, random: () => 0 });
    const { hooks } = buildPolicy(policy);
    for (let i = 0; i < 9; i++) hooks.afterFailure!(failed(serverError, { route: '/busy' }), UNDECIDED);
    assert.equal(policy.rejectionProbability('upstream', '/busy'), 0.9);
    assert.equal(policy.rejectionProbability('upstream', '/calm'), 0);
    assert.equal(hooks.beforeAttempt!(attemptInfo({ route: '/calm' })), undefined);
    assert.equal(hooks.beforeAttempt!(attemptInfo({ route: '/busy' }))?.kind, 'load_shed');
  });

  it('stops the call on its own refusal, whatever a retry decides, inside or outside it', () => {
    const { hooks } = buildPolicy(adaptiveThrottle());
    const refusal: Failure = { kind: 'load_shed', code: 'ADAPTIVE_THROTTLE', message: '' };
    const stop = { delayMs: null, reason: 'load_shed' };
    assert.deepEqual(
      hooks.afterFailure!(failed(refusal), UNDECIDED),
      stop,
      'outside a retry: the retry keeps a decided stop',
    );
    const retried: Verdict = { delayMs: 100, reason: 'backoff', delaySource: 'backoff' };
    assert.deepEqual(
      hooks.afterFailure!(failed(refusal), retried),
      stop,
      'inside a retry: its wait is turned into a stop',
    );
    const otherStop: Verdict = { delayMs: null, reason: 'max_attempts' };
    assert.equal(hooks.afterFailure!(failed(refusal), otherStop), otherStop);
    // A retry told to retry load_shed keeps the stop given outside it.
    const retryHooks = retry({ retryOn: ['load_shed'] }).build({} as never);
    assert.deepEqual(retryHooks.afterFailure!(failed(refusal), stop as Verdict), stop);
  });

  it('checks its options, naming adaptiveThrottle.<option>', () => {
    const cases: [object, string][] = [
      [{ k: 0.5 }, 'adaptiveThrottle.k'],
      [{ k: Number.NaN }, 'adaptiveThrottle.k'],
      [{ windowMs: 0 }, 'adaptiveThrottle.windowMs'],
      [{ windowMs: Infinity }, 'adaptiveThrottle.windowMs'],
      [{ rejectOn: [] }, 'adaptiveThrottle.rejectOn'],
      [{ rejectOn: ['server', 'nope'] }, 'adaptiveThrottle.rejectOn'],
      [{ rejectOn: ['load_shed'] }, 'adaptiveThrottle.rejectOn'],
      [{ perRoute: 'yes' }, 'adaptiveThrottle.perRoute'],
      [{ random: 0.5 }, 'adaptiveThrottle.random'],
      [{ recovery: 'fast' }, 'adaptiveThrottle.recovery'],
    ];
    for (const [options, variable] of cases)
      assert.throws(
        () => adaptiveThrottle(options as never),
        (error: unknown) => error instanceof ConfigError && error.variable === variable,
        JSON.stringify(options),
      );
    assert.equal(
      adaptiveThrottle().describe?.(),
      'adaptiveThrottle(k=2, windowMs=120000, recovery=accepting, rejectOn=throttled|server|timeout)',
    );
  });
});
