// Every option 0.2 moved into a group, given the 0.1 way: a ConfigError that names it and
// says where it went — never a client (or a call) running silently on defaults it was not
// written for. The expected destinations are written out here, apart from the table in
// src/config/movedOptions.ts, so a wrong entry there fails; a test checks the table and
// this file list the same options.
import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { MOVED_CLIENT_OPTIONS, MOVED_REQUEST_OPTIONS } from '../../../src/config/movedOptions.js';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import {
  ConfigError,
  createClient,
  createFetch,
  type RequestObserver,
  type RequestOptions,
} from '../../../src/index.js';

/** A 0.1 client option, a value of the shape 0.1 took, and where 0.2 puts it. */
const CLIENT_MOVES: readonly (readonly [string, unknown, string])[] = [
  ['timeoutMs', 5_000, 'timeout: { totalMs }'],
  ['attemptTimeoutMs', 1_000, 'timeout: { attemptMs }'],
  ['retry', { nextDelay: () => null }, 'resilience: [retry('],
  ['hedge', { maxHedges: 1, delayFor: () => 50, record: () => undefined }, 'resilience: [..., hedge('],
  ['fallback', { value: 'cached' }, 'resilience: [fallback('],
  ['logger', { warn: () => undefined, log: () => undefined }, 'telemetry: { logger }'],
  ['report', false, 'telemetry: { report }'],
  ['logSampling', false, 'telemetry: { logSampling }'],
  ['observers', [], 'telemetry: { observers }'],
  ['spanHooks', {}, 'telemetry: { spanHooks }'],
  ['signals', false, 'telemetry: { enabled }'],
  ['redactHeaders', ['x-api-key'], 'redact: { headers }'],
  ['redactQuery', ['token'], 'redact: { query }'],
  ['dispatcher', new MockAgent(), 'transport: { dispatcher }'],
  ['maxRedirects', 3, 'transport: { maxRedirects }'],
  ['maxJsonBytes', 1_000, 'transport: { maxJsonBytes }'],
];

/** A 0.1 call option, a value of the shape 0.1 took, and where 0.2 puts it. */
const CALL_MOVES: readonly (readonly [string, unknown, string])[] = [
  ['timeoutMs', 5_000, 'timeout: { totalMs }'],
  ['attemptTimeoutMs', 1_000, 'timeout: { attemptMs }'],
  ['retry', { nextDelay: () => null }, 'resilience: [retry('],
  ['hedge', false, 'a list without hedge'],
  ['fallback', false, 'a list without fallback'],
  ['dispatcher', new MockAgent(), 'transport: { dispatcher }'],
];

/** Asserts `error` is the ConfigError for the moved option `option`, pointing at `destination`. */
function assertMoved(error: unknown, option: string, destination: string): true {
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.equal(error.variable, option);
  assert.match(error.problem, /moved in 0\.2/);
  assert.ok(error.accepted.includes(destination), `${option}: "${error.accepted}" does not say ${destination}`);
  assert.ok(error.message.includes(destination), `${option}: the message does not say ${destination}`);
  return true;
}

/** An observer that counts what it hears: a call refused for its options tells nothing. */
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

describe('0.1 options are refused by name, with where they went (issue 24)', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());

  it('this file covers every option the client and a call moved', () => {
    assert.deepEqual(CLIENT_MOVES.map(([option]) => option).sort(), Object.keys(MOVED_CLIENT_OPTIONS).sort());
    assert.deepEqual(CALL_MOVES.map(([option]) => option).sort(), Object.keys(MOVED_REQUEST_OPTIONS).sort());
  });

  for (const [option, value, destination] of CLIENT_MOVES) {
    it(`createClient({ ${option} }) throws a ConfigError naming it and ${destination}`, () => {
      assert.throws(
        () => createClient({ baseUrl: server.url, env: {}, [option]: value } as never),
        (error) => assertMoved(error, option, destination),
      );
      // An explicit undefined is still the 0.1 option written down: said, not ignored.
      assert.throws(
        () => createClient({ baseUrl: server.url, env: {}, [option]: undefined } as never),
        (error) => assertMoved(error, option, destination),
      );
      // createFetch takes a client's options: the same error.
      assert.throws(
        () => createFetch({ env: {}, [option]: value } as never),
        (error) => assertMoved(error, option, destination),
      );
    });
  }

  for (const [option, value, destination] of CALL_MOVES) {
    it(`a call given { ${option} } rejects with a ConfigError naming it and ${destination}: nothing sent or told`, async () => {
      const path = `/moved-${option}`;
      server.script(path, 200);
      const observer = counting();
      const client = createClient({ baseUrl: server.url, env: {}, telemetry: { observers: [observer] } });
      const init = { [option]: value } as unknown as RequestOptions;
      await assert.rejects(client.get(path, init), (error) => assertMoved(error, option, destination));
      await assert.rejects(client.json(path, init), (error) => assertMoved(error, option, destination));
      // The same option on a class instance (its own field, or a getter on its prototype).
      class Init {}
      const owned = Object.assign(new Init(), { [option]: value }) as unknown as RequestOptions;
      await assert.rejects(client.get(path, owned), (error) => assertMoved(error, option, destination));
      class Getter {}
      Object.defineProperty(Getter.prototype, option, { get: () => value });
      await assert.rejects(client.get(path, new Getter() as RequestOptions), (error) =>
        assertMoved(error, option, destination),
      );
      assert.equal(server.hits(path), 0);
      assert.equal(observer.heard, 0);
      await client.close();
    });
  }

  it("createFetch: fetch's own dispatcher is taken; another 0.1 option is refused as fetch refuses, with the ConfigError as cause", async () => {
    server.script('/fetch-moved', 200);
    const fetchLike = createFetch({ env: {} });
    await assert.rejects(
      fetchLike(`${server.url}/fetch-moved`, { timeoutMs: 5_000 } as RequestInit),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        return assertMoved(error.cause, 'timeoutMs', 'timeout: { totalMs }');
      },
    );
    assert.equal(server.hits('/fetch-moved'), 0);
  });
});
