import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startFaultServer, type FaultServer } from '../../../src/testing/index.js';
import {
  basicAuth,
  ConfigError,
  createClient,
  FAILURE_KINDS,
  fallback,
  hedge,
  isRequestFailure,
  retry,
  throttle,
  type Client,
} from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { NUM_RUNS } from '../../helpers/propertyRuns.js';

// Each case builds a client or makes a real call: a few hundred keep the suite to seconds.
const CLIENT_RUNS = Math.min(NUM_RUNS, 400);
const CALL_RUNS = Math.min(NUM_RUNS, 200);

/** Anything at all, the nastier shapes first: what an untyped caller may pass. */
const garbage = fc.oneof(
  fc.constantFrom(null, Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 'abc', '', 'x\r\ny', true, 0n, [], {}, () => 1),
  fc.anything({ maxDepth: 2 }),
);
// Garbage is one pick in ~60 per option: a case with many options is still often valid, so
// both sides of the property (works / ConfigError) are exercised.
const either = (...good: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: fc.oneof(...good), weight: 60 }, { arbitrary: garbage, weight: 1 });
/** Like {@link either}, with wrong values of the option's own type as likely as garbage. */
const orBad = (good: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 60 }, { arbitrary: bad, weight: 1 }, { arbitrary: garbage, weight: 1 });
const kinds = orBad(fc.array(fc.constantFrom(...FAILURE_KINDS), { maxLength: 3 }), fc.constant(['bogus']));
const headerRecord = fc.dictionary(
  fc.oneof(
    { arbitrary: fc.constantFrom('x-a', 'accept', 'x-request-id'), weight: 24 },
    { arbitrary: fc.constantFrom('x a', 'x\u0000', ''), weight: 1 },
  ),
  orBad(
    fc.oneof(
      fc.string({ maxLength: 8 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
      fc.integer(),
    ),
    fc.constantFrom('a\r\nb', 'a\u0000b'),
  ),
  { maxKeys: 3 },
);
const headers = orBad(
  fc.oneof(headerRecord, fc.array(fc.tuple(fc.constant('x-a'), fc.constant('1')), { maxLength: 2 })),
  fc.array(fc.tuple(fc.constantFrom('x-a', 'x b'), fc.constantFrom('1', 'a\nb')), { maxLength: 2 }),
);
const ms = orBad(fc.integer({ min: 0, max: 2_000 }), fc.constantFrom(2 ** 31, -0.5, Number.NaN, 1e300));
const count = orBad(fc.nat({ max: 20 }), fc.constantFrom(-1, 2.5, 1e300));
/** A user's object of hooks (each a no-op function, now and then garbage). */
const hooked = (...names: string[]) =>
  fc.record(Object.fromEntries(names.map((name) => [name, either(fc.constant(() => undefined))])));

/**
 * An entry of a `resilience` list, as a recipe: the policy factories check their options
 * when called (a ConfigError), so the property calls them where it expects ConfigErrors.
 */
type Recipe = () => unknown;
const recipe = (make: Recipe): Recipe => make;
/** A user's own policy: a name and a build() returning hooks (each a no-op, now and then garbage). */
const ownPolicy = (...hooks: string[]) =>
  hooked(...hooks).map((built) => recipe(() => ({ name: 'mine', build: () => built })));
const resilienceOf = (...entries: fc.Arbitrary<Recipe>[]) =>
  either(
    fc.array(
      fc.oneof(
        { arbitrary: fc.oneof(...entries), weight: 30 },
        { arbitrary: garbage.map((value) => recipe(() => value)), weight: 1 },
      ),
      { maxLength: 3 },
    ),
  );
/** The options with their `resilience` recipes made into policies (which may throw a ConfigError). */
function made<T extends Record<string, unknown>>(options: T): T {
  const list = options['resilience'];
  if (!Array.isArray(list)) return options;
  return { ...options, resilience: list.map((entry: unknown) => (typeof entry === 'function' ? entry() : entry)) };
}

/** A member of the options that throws when read (the bonus hostile shape). */
function withThrowingGetter(options: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.defineProperty({ ...options }, key, {
    enumerable: true,
    get() {
      throw new Error(`getter of ${key}`);
    },
  });
}

/** The test's own deadline for one call: a hang fails the property. */
async function outcomeOf(call: () => Promise<unknown>, ms = 3_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ hung: true }), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('hostile options, property-based (issue 21): works or a ConfigError; no TypeError, hang or unhandled rejection', () => {
  let server: FaultServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    server = await startFaultServer({ '/ok': 200, '/flaky': { cycle: [503, 200] } });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.close();
  });

  it('createClient: random client options (every option, nested groups, throwing getters)', async () => {
    const logs = captureLogs('warn');
    const options = fc.record(
      {
        name: orBad(fc.stringMatching(/^[a-z]{1,8}$/), fc.constantFrom('', ' ')),
        baseUrl: orBad(fc.constant('BASE'), fc.constantFrom('ftp://x', 'not a url', 'http://[::1')),
        headers,
        timeout: either(fc.record({ totalMs: ms, attemptMs: ms }, { requiredKeys: [] })),
        resilience: resilienceOf(
          fc.constant(recipe(() => retry({ maxAttempts: 2, baseDelayMs: 0 }))),
          fc
            .record({ maxAttempts: count, baseDelayMs: ms, maxDelayMs: ms }, { requiredKeys: [] })
            .map((options) => recipe(() => retry(options as never))),
          fc.constant(recipe(() => throttle())),
          fc.constant(recipe(() => hedge({ delayMs: 50 }))),
          fc
            .record({ value: fc.jsonValue(), on: kinds }, { requiredKeys: ['value'] })
            .map((options) => recipe(() => fallback(options as never))),
          fc.constant(recipe(() => fallback({ answer: () => 1 }))),
          ownPolicy('beforeAttempt', 'afterFailure', 'onSuccess', 'hedge', 'answer'),
        ),
        auth: either(fc.constant(basicAuth('u', 'p')), hooked('apply', 'onUnauthorized')),
        telemetry: either(
          fc.record(
            {
              // Always off, as every suite without a signals harness has it (garbage now and then).
              enabled: either(fc.constant(false)),
              logger: either(fc.constant(logs.logger), fc.constant({ warn: () => undefined })),
              report: either(fc.constant(false), fc.record({ kinds, capPerMinute: count }, { requiredKeys: [] })),
              logSampling: either(
                fc.constant(false),
                fc.record({ initial: count, thereafter: count }, { requiredKeys: [] }),
              ),
              observers: either(fc.array(either(hooked('attemptStarted', 'callEnded')), { maxLength: 2 })),
            },
            { requiredKeys: ['enabled'] },
          ),
        ),
        transport: either(
          fc.record(
            {
              maxRedirects: count,
              maxJsonBytes: count,
              // Never a dispatch() that ignores its handler: that call hangs past its deadline (the
              // transport waits for the dispatcher), a gap outside option checking.
              dispatcher: either(fc.constant(undefined)),
            },
            { requiredKeys: [] },
          ),
        ),
        clock: either(fc.constant(fakeClock()), hooked('now', 'sleep')),
        redact: either(
          fc.record(
            {
              headers: either(fc.array(orBad(fc.stringMatching(/^[a-z-]{1,6}$/), fc.constant('')), { maxLength: 3 })),
              query: either(fc.array(orBad(fc.stringMatching(/^[a-z_]{1,6}$/), fc.constant('')), { maxLength: 3 })),
            },
            { requiredKeys: [] },
          ),
        ),
        shared: either(fc.constant(false)),
        env: either(
          fc.dictionary(
            fc.constantFrom(
              'FAULTLINE_TIMEOUT_MS',
              'FAULTLINE_LOG_SAMPLE_INITIAL',
              'FAULTLINE_REPORT_CAP_PER_MINUTE',
              'FAULTLINE_RETRY_MAX_DELAY_MS',
            ),
            orBad(fc.constantFrom('100', '0'), fc.string({ maxLength: 6 })),
            { maxKeys: 2 },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    const getter = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 19 },
      { arbitrary: fc.constantFrom('timeout', 'resilience', 'telemetry', 'headers', 'env'), weight: 1 },
    );
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(options, getter, async (given, throwing) => {
        const plain: Record<string, unknown> = { env: {}, telemetry: { enabled: false }, ...given };
        if (plain['baseUrl'] === 'BASE') plain['baseUrl'] = server.url;
        let client: Client;
        try {
          const policies = made(plain);
          client = createClient(throwing === undefined ? policies : withThrowingGetter(policies, throwing));
        } catch (error) {
          assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
          seen.refused++;
          return;
        }
        seen.accepted++;
        // A client that was accepted works: a call ends (one way or another) without a TypeError
        // (within a second: a hostile dispatcher may never answer, and the default deadline is 30 s).
        const outcome = (await outcomeOf(() => client.get(`${server.url}/ok`, { timeout: { totalMs: 1_000 } }))) as {
          error?: unknown;
          hung?: true;
        };
        assert.notEqual(outcome.hung, true, 'the call hung');
        if (outcome.error !== undefined)
          assert.ok(isRequestFailure(outcome.error), `an accepted client threw ${String(outcome.error)}`);
        await client.close();
      }),
      { numRuns: CLIENT_RUNS },
    );
    assert.deepEqual(unhandled, []);
    assert.ok(seen.accepted > CLIENT_RUNS / 5 && seen.refused > CLIENT_RUNS / 5, JSON.stringify(seen));
  });

  it('a call: random per-call options against a real loopback server', async () => {
    const client = createClient({
      baseUrl: server.url,
      env: {},
      telemetry: { enabled: false, logger: captureLogs('warn').logger },
      clock: fakeClock(),
      timeout: { totalMs: 2_000 },
      resilience: [retry({ maxAttempts: 2, baseDelayMs: 0 })],
    });
    const init = fc.record(
      {
        headers,
        method: orBad(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'patch', 'OPTIONS'),
          fc.constantFrom('GE T', 'X\r\n'),
        ),
        body: either(
          fc.string({ maxLength: 8 }),
          fc.constant(new Uint8Array([1, 2])),
          fc.constant(new URLSearchParams('a=1')),
        ),
        json: either(fc.jsonValue({ maxDepth: 2 })),
        timeout: either(fc.record({ totalMs: ms, attemptMs: ms }, { requiredKeys: [] })),
        // A call's own list replaces the client's: [] is no retry, a list without hedge or
        // fallback turns them off for the call.
        resilience: resilienceOf(
          fc.constant(recipe(() => hedge({ delayMs: 5 }))),
          fc
            .record({ value: fc.jsonValue(), on: kinds }, { requiredKeys: ['value'] })
            .map((options) => recipe(() => fallback(options as never))),
          ownPolicy('beforeAttempt', 'afterFailure', 'onSuccess'),
        ),
        idempotent: either(fc.boolean()),
        route: either(fc.constantFrom('/v1/{id}', '')),
        throwHttpErrors: either(fc.boolean()),
        redirect: either(fc.constantFrom('follow', 'manual', 'error')),
        transport: either(fc.record({ dispatcher: either(fc.constant(undefined)) }, { requiredKeys: [] })),
        signal: either(fc.constant(null)),
        cache: either(fc.constant('no-store')),
        keepalive: either(fc.boolean()),
      },
      { requiredKeys: [] },
    );
    const codes = new Map<string, number>();
    const seen = { ok: 0, refused: 0, failed: 0 };
    await fc.assert(
      fc.asyncProperty(init, fc.constantFrom('/ok', '/flaky'), async (given, path) => {
        // Bodies with GET and HEAD are the transport's business, not option checking.
        const outcome = (await outcomeOf(async () => client.request(path, made(given) as never))) as {
          error?: unknown;
          hung?: true;
        };
        assert.notEqual(outcome.hung, true, 'the call hung');
        const { error } = outcome;
        if (error === undefined) {
          seen.ok++;
          return;
        }
        if (error instanceof ConfigError) {
          seen.refused++;
          return;
        }
        seen.failed++;
        assert.ok(isRequestFailure(error), `neither a result nor a ConfigError: ${String(error)}`);
        codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
      }),
      { numRuns: CALL_RUNS },
    );
    // A RequestFailure from the upstream (a 503, a deadline) is fine; one the transport
    // raised for input it refused would mean the schema missed something.
    for (const code of codes.keys())
      assert.ok(!code.startsWith('UND_ERR_INVALID_ARG'), `undici refused input: ${code}`);
    await client.close();
    assert.deepEqual(unhandled, []);
    assert.ok(
      seen.ok > CALL_RUNS / 10 && seen.refused > CALL_RUNS / 20,
      JSON.stringify({ ...seen, codes: [...codes] }),
    );
  });
});
