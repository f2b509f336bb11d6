import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFaultServer, type FaultServer } from '../../../src/testing/index.js';
import {
  ConfigError,
  createClient,
  type ClientOptions,
  type FailedAttempt,
  type Policy,
  type PolicyHooks,
  type RequestObserver,
  type RequestOptions,
} from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';

const MAX_TIMER_MS = 2_147_483_647;

/** The test's own deadline: a call that has not settled by then is a hang, and fails the test. */
async function settledWithin(promise: Promise<unknown>, ms = 2_000): Promise<{ value?: unknown; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the call hung for more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An observer that counts what it hears: a call refused for its options must tell nothing. */
function counting(): RequestObserver & { heard: number } {
  const observer = {
    heard: 0,
    attemptStarted() {
      observer.heard++;
      return undefined;
    },
    callEnded() {
      observer.heard++;
    },
  };
  return observer;
}

/** The diagnostics lines ("faultline: X failed; the request goes on") a client wrote. */
function reports(lines: readonly Record<string, unknown>[], what: string): Record<string, unknown>[] {
  return lines.filter((line) => line['message'] === `faultline: ${what} failed; the request goes on`);
}

/** A policy of the user's own named `hostile`, built with `hooks`. */
function hostile(hooks: PolicyHooks): Policy {
  return { name: 'hostile', build: () => hooks };
}

/** A policy that waits `delayMs(failed)` ms after each failure, or stops on null. */
function waiting(delayMs: (failed: FailedAttempt) => number | null): Policy {
  return hostile({
    afterFailure: (failed) => {
      const delay = delayMs(failed);
      return delay === null ? { delayMs: null, reason: 'max_attempts' } : { delayMs: delay, reason: 'backoff' };
    },
  });
}

describe('hostile options and hooks against real servers (issue 21)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  const client = (options: ClientOptions = {}) =>
    createClient({
      baseUrl: server.url,
      name: 'hostile',
      env: {},
      ...options,
      telemetry: { enabled: false, ...options.telemetry },
    });

  describe('finding 4: a bad per-call timeout is a ConfigError, never a call without a deadline', () => {
    for (const [option, value] of [
      ['totalMs', Number.NaN],
      ['totalMs', -1],
      ['totalMs', 'abc'],
      ['totalMs', Number.POSITIVE_INFINITY],
      ['attemptMs', Number.NaN],
      ['attemptMs', -1],
      ['attemptMs', 'abc'],
    ] as const) {
      it(`timeout.${option}: ${String(value)} on a call to a hanging server rejects at once, nothing sent or told`, async () => {
        server.script(`/hang-${option}`, 'hang');
        const observer = counting();
        const c = client({ timeout: { totalMs: 0, attemptMs: 0 }, telemetry: { observers: [observer] } });
        const init = { timeout: { [option]: value } } as unknown as RequestOptions;
        const { error } = await settledWithin(c.get(`/hang-${option}`, init));
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        assert.equal(error.variable, `timeout.${option}`);
        assert.match(error.message, /milliseconds from 0 to 2147483647/);
        assert.equal(server.hits(`/hang-${option}`), 0);
        assert.equal(observer.heard, 0);
        await settledWithin(c.close());
      });
    }
  });

  describe('finding 8: a delay above the timer ceiling waits the ceiling, never 1 ms', () => {
    it('a policy asking for 2**31 + 5 ms, no total deadline, real clock: one request, no overflow warning', async () => {
      server.script('/storm', 503);
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.name);
      process.on('warning', onWarning);
      let asked = 0;
      const overlong = waiting(({ attempt }) => {
        asked++;
        return attempt < 20 ? 2 ** 31 + 5 : null;
      });
      const c = client({ timeout: { totalMs: 0 }, resilience: [overlong] });
      const controller = new AbortController();
      const call = settledWithin(c.get('/storm', { signal: controller.signal }), 5_000);
      while (asked < 1) await new Promise((resolve) => setImmediate(resolve));
      // On 5bcfb1b the wait overflowed to 1 ms: 20 requests within a few ms. Fixed, the call
      // waits (about 24.8 days) whatever time passes here.
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      const { error } = await call;
      process.off('warning', onWarning);
      assert.equal((error as { kind?: string }).kind, 'cancelled');
      assert.equal(server.hits('/storm'), 1);
      assert.equal(asked, 1);
      assert.deepEqual(
        warnings.filter((name) => name === 'TimeoutOverflowWarning'),
        [],
      );
      await c.close();
    });

    it('an injected clock is asked for the ceiling, not the overlong delay', async () => {
      server.script('/long', 503);
      const clock = fakeClock();
      const overlong = waiting(({ attempt }) => (attempt === 1 ? 2 ** 31 + 5 : null));
      const { error } = await settledWithin(
        client({ timeout: { totalMs: 0 }, clock, resilience: [overlong] }).get('/long'),
      );
      assert.equal((error as { kind?: string }).kind, 'server');
      assert.deepEqual(clock.sleeps, [MAX_TIMER_MS]);
      assert.equal(server.hits('/long'), 2);
    });
  });

  describe('finding 9: a hook answering garbage is treated like a hook that threw', () => {
    for (const answer of ['nope', { kind: 'bogus' }, { kind: 'circuit_open' }, 42]) {
      it(`beforeAttempt returning ${JSON.stringify(answer)}: the attempt goes, reported once`, async () => {
        const path = `/before-${JSON.stringify(answer).replace(/\W/g, '')}`;
        server.script(path, 200);
        const logs = captureLogs('warn');
        const policy = hostile({ beforeAttempt: () => answer } as unknown as PolicyHooks);
        const c = client({ resilience: [policy], telemetry: { logger: logs.logger } });
        for (let i = 0; i < 3; i++) assert.equal((await c.get(path)).status, 200);
        assert.equal(server.hits(path), 3);
        const told = reports(logs.lines, 'hostile (beforeAttempt)');
        assert.equal(told.length, 1);
        assert.match(String(told[0]?.['error']), /^TypeError: returned .*; expected a Failure/);
      });
    }

    it('afterFailure returning "soon": the call stops with policy_error, reported', async () => {
      server.script('/soon', 503);
      const logs = captureLogs('warn');
      const ended: (string | undefined)[] = [];
      const policy = hostile({ afterFailure: () => 'soon' } as unknown as PolicyHooks);
      const observers: RequestObserver[] = [
        {
          callEnded: (_call, outcome) => {
            ended.push(outcome.stopReason);
          },
        },
      ];
      const { error } = await settledWithin(
        client({ resilience: [policy], telemetry: { logger: logs.logger, observers } }).get('/soon'),
      );
      assert.equal((error as { kind?: string }).kind, 'server');
      assert.equal(server.hits('/soon'), 1);
      assert.deepEqual(ended, ['policy_error']);
      assert.equal(reports(logs.lines, 'hostile (afterFailure)').length, 1);
    });

    it('onUnauthorized answering "yes": no replay, reported', async () => {
      server.script('/login', 401);
      const logs = captureLogs('warn');
      const auth = { apply: () => undefined, onUnauthorized: () => 'yes' } as never;
      const { error } = await settledWithin(client({ auth, telemetry: { logger: logs.logger } }).get('/login'));
      assert.equal((error as { kind?: string }).kind, 'unauthorized');
      assert.equal(server.hits('/login'), 1);
      assert.equal(reports(logs.lines, 'auth strategy (onUnauthorized)').length, 1);
    });

    it('an observer whose attemptStarted returns garbage: skipped, reported once, the call unharmed', async () => {
      server.script('/observed', 200);
      const logs = captureLogs('warn');
      const observers = [{ attemptStarted: () => 5 }, { attemptStarted: () => ({ run: 'x', end: () => undefined }) }];
      const c = client({ telemetry: { observers: observers as never, logger: logs.logger } });
      for (let i = 0; i < 2; i++) assert.equal((await c.get('/observed')).status, 200);
      assert.equal(reports(logs.lines, 'an observer (attemptStarted)').length, 1);
    });

    it('a hedging policy whose hedge hook answers garbage: no hedge, reported', async () => {
      server.script('/hedged', 200);
      const logs = captureLogs('warn');
      const policy = hostile({ hedge: () => ({ delayMs: 'soon', maxHedges: 1 }) } as unknown as PolicyHooks);
      const c = client({ resilience: [policy], telemetry: { logger: logs.logger } });
      assert.equal((await c.get('/hedged')).status, 200);
      assert.equal(server.hits('/hedged'), 1);
      assert.equal(reports(logs.lines, 'hostile (hedge)').length, 1);
    });
  });

  describe('finding 11: client options are checked at creation', () => {
    it('a CR/LF header in the client headers is a ConfigError at creation, naming the header, not its value', () => {
      assert.throws(
        () => client({ headers: { 'x-api-key': 'sk_live_1\r\nx-injected: 1' } }),
        (error) =>
          error instanceof ConfigError &&
          error.variable === 'headers' &&
          error.value === 'x-api-key' &&
          !error.message.includes('sk_live_1'),
      );
    });

    it("a call's own CR/LF header is a ConfigError before sending: no attempt, no retries, nothing told", async () => {
      server.script('/crlf', 200);
      const observer = counting();
      const { error } = await settledWithin(
        client({ telemetry: { observers: [observer] } }).get('/crlf', { headers: { 'x-a': 'a\r\nb' } }),
      );
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, 'headers');
      assert.equal(server.hits('/crlf'), 0);
      assert.equal(observer.heard, 0);
    });

    it('clock: {} is a ConfigError at creation, not a failure at call time', () => {
      assert.throws(
        () => client({ clock: {} as never }),
        (error) => error instanceof ConfigError && error.variable === 'clock',
      );
    });
  });
});
