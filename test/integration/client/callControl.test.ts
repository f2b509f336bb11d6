import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FaultServer } from '../../../src/testing/index.js';
import { CancelledError, type ClientOptions, createClient } from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { failureOf } from '../../helpers/failureOf.js';
import { useFlakyUpstream } from '../../helpers/suiteUpstream.js';

describe('cancellation, stream bodies, URL credentials and the total deadline', () => {
  const upstream = useFlakyUpstream();
  const client = (options?: ClientOptions) => upstream.client(options);
  let server: FaultServer;
  before(() => {
    server = upstream.server;
  });

  it("the caller's abort is cancelled, including during a backoff wait", async () => {
    server.script('/slow', { fault: 'hang' });
    const controller = new AbortController();
    const pending = failureOf(() => client().get('/slow', { signal: controller.signal }));
    setImmediate(() => controller.abort());
    const error = await pending;
    assert.ok(error instanceof CancelledError);

    server.script('/wait', { status: 503 });
    const waiting = new AbortController();
    const neverSleeps = {
      now: Date.now,
      sleep: (_ms: number, signal: AbortSignal) =>
        new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    };
    const during = failureOf(() => client({ clock: neverSleeps }).get('/wait', { signal: waiting.signal }));
    while (server.hits('/wait') < 1) await new Promise((r) => setImmediate(r));
    waiting.abort();
    const stopped = await during;
    assert.equal(stopped.kind, 'cancelled');
    assert.equal(server.hits('/wait'), 1);
  });

  it('an already-aborted signal sends nothing', async () => {
    server.script('/never', { status: 200 });
    const error = await failureOf(() => client().get('/never', { signal: AbortSignal.abort() }));
    assert.equal(error.kind, 'cancelled');
    assert.equal(server.hits('/never'), 0);
  });

  it('a stream body is never retried', async () => {
    server.script('/upload', { status: 503 });
    const { Readable } = await import('node:stream');
    const error = await failureOf(() => client().put('/upload', { body: Readable.from([Buffer.from('abc')]) }));
    assert.equal(error.attempts, 1);
    assert.equal(server.hits('/upload'), 1);
  });

  it('userinfo in the URL is sent as Basic auth and redacted from the error', async () => {
    server.script('/who', { status: 500 });
    const c = createClient({ clock: fakeClock(), env: {} });
    const error = await failureOf(() => c.get(`http://alice:s3cret@127.0.0.1:${server.port}/who?token=abc123&page=2`));
    assert.equal(
      server.seen('/who')[0]?.headers.authorization,
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    );
    assert.equal(error.url, `http://127.0.0.1:${server.port}/who?token=REDACTED&page=2`);
    assert.doesNotMatch(error.message, /s3cret|abc123/);
  });

  it('a delay that would pass the total deadline stops instead of sleeping into it', async () => {
    server.script('/late', { status: 429, headers: { 'retry-after': '20' } });
    const clock = fakeClock();
    const error = await failureOf(() => client({ clock, timeout: { totalMs: 5_000 } }).get('/late'));
    assert.equal(error.kind, 'throttled');
    assert.equal(error.attempts, 1);
    assert.deepEqual(clock.sleeps, []);
  });
});
