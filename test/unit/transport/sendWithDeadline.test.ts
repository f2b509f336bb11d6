import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendWithDeadline } from '../../../src/transport/sendWithDeadline.js';
import { fakeSweep, HEADERS, OPTIONS, scriptedDispatcher, settled } from '../helpers/scriptedDispatcher.js';

describe('sendWithDeadline', () => {
  it('no socket within the deadline: ConnectTimeoutError at the deadline, and nothing is written later', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    tick(299);
    assert.equal(await settled(sent), 'pending');
    tick(1);
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending');
    assert.equal((outcome.error as { code?: string } | undefined)?.code, 'UND_ERR_CONNECT_TIMEOUT');
    assert.equal((outcome.error as Error).message, 'The request did not reach a connection within 300 ms');
    // When the pool finally hands it a socket, undici aborts it before writing a byte.
    dispatcher.connect();
    assert.equal(dispatcher.aborts[0], outcome.error);
    assert.equal(sweep.size, 0);
  });

  it('on a socket but no headers: HeadersTimeoutError at the deadline, the request aborted', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    dispatcher.connect();
    tick(299);
    assert.deepEqual(dispatcher.aborts, []);
    tick(1);
    assert.equal(dispatcher.aborts.length, 1);
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending');
    assert.equal(outcome.error, dispatcher.aborts[0]);
    assert.equal((outcome.error as { code?: string } | undefined)?.code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.equal(sweep.size, 0);
  });

  it('the wait for headers runs from dispatch; each request body chunk sent pushes it back', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    void sendWithDeadline(dispatcher, OPTIONS, 300, sweep).catch(() => undefined);
    tick(100);
    dispatcher.connect();
    dispatcher.handler().onRequestSent?.();
    tick(100);
    dispatcher.handler().onBodySent?.(Buffer.from('part'));
    tick(250);
    dispatcher.handler().onBodySent?.(Buffer.from('last part'));
    dispatcher.handler().onRequestSent?.();
    tick(299);
    assert.deepEqual(dispatcher.aborts, []);
    tick(1);
    assert.equal((dispatcher.aborts[0] as { code?: string } | undefined)?.code, 'UND_ERR_HEADERS_TIMEOUT');
  });

  it('connecting counts: a request that reaches its socket late has the rest of the deadline for headers', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    void sendWithDeadline(dispatcher, OPTIONS, 300, sweep).catch(() => undefined);
    tick(200);
    dispatcher.connect();
    dispatcher.handler().onRequestSent?.();
    tick(99);
    assert.deepEqual(dispatcher.aborts, []);
    tick(1);
    assert.equal((dispatcher.aborts[0] as { code?: string } | undefined)?.code, 'UND_ERR_HEADERS_TIMEOUT');
  });

  it('a 1xx is not the final headers: the headers deadline still holds', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    void sendWithDeadline(dispatcher, OPTIONS, 300, sweep).catch(() => undefined);
    dispatcher.connect();
    tick(100);
    dispatcher.handler().onHeaders(103, [], () => undefined, 'Early Hints');
    tick(200);
    assert.equal((dispatcher.aborts[0] as { code?: string } | undefined)?.code, 'UND_ERR_HEADERS_TIMEOUT');
  });

  it('headers re-arm to the body deadline, and each chunk pushes it back; a stall destroys the body', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    dispatcher.connect();
    tick(250);
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending' && outcome.value !== undefined);
    const reading = outcome.value.body.text().then(
      () => assert.fail('the body should not end'),
      (error: unknown) => error,
    );
    tick(250); // t = 500: within 300 ms of the headers
    dispatcher.handler().onData(Buffer.from('partial'));
    tick(299); // t = 799: within 300 ms of the chunk
    assert.equal(outcome.value.body.destroyed, false);
    tick(1);
    assert.equal(outcome.value.body.destroyed, true);
    const error = (await reading) as Error & { code?: string };
    assert.equal(error.code, 'UND_ERR_BODY_TIMEOUT');
    assert.equal(error.message, 'No response body data for 300 ms');
    assert.equal(sweep.size, 0);
  });

  it('a body nobody reads yet still times out, and whoever reads it later gets the error', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    dispatcher.handler().onData(Buffer.from('partial'));
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending' && outcome.value !== undefined);
    tick(300);
    await new Promise((resolve) => setImmediate(resolve));
    const error = await (async () => {
      try {
        for await (const _chunk of outcome.value!.body) {
          /* read */
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.equal((error as { code?: string }).code, 'UND_ERR_BODY_TIMEOUT');
  });

  it('the end of the body disarms: nothing fires afterwards', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    dispatcher.handler().onData(Buffer.from('{"ok":true}'));
    dispatcher.handler().onComplete([]);
    assert.equal(sweep.size, 0);
    tick(10_000);
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending' && outcome.value !== undefined);
    assert.equal(await outcome.value.body.text(), '{"ok":true}');
    assert.deepEqual(dispatcher.aborts, []);
  });

  it('a reader that is behind (full buffer, socket paused) is not a stalled server', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = sendWithDeadline(dispatcher, OPTIONS, 300, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    // undici pauses the socket once push() reports the buffer full.
    while (dispatcher.handler().onData(Buffer.alloc(16_384))) {
      /* fill */
    }
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending' && outcome.value !== undefined);
    const { body } = outcome.value;
    tick(1_000);
    assert.equal(body.destroyed, false, 'no timeout while the reader holds the socket paused');
    assert.equal(sweep.size, 1);
    // The reader catches up; from then on a silent server is a stall again.
    while (body.read() !== null) {
      /* drain */
    }
    body.on('error', () => undefined);
    tick(300);
    assert.equal(body.destroyed, true);
    assert.equal((body.errored as { code?: string } | null)?.code, 'UND_ERR_BODY_TIMEOUT');
  });
});
