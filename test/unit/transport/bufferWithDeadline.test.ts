import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { bufferWithDeadline, type BodyLimits } from '../../../src/transport/bufferWithDeadline.js';
import { fakeSweep, HEADERS, OPTIONS, scriptedDispatcher, settled } from '../helpers/scriptedDispatcher.js';

const LIMITS: BodyLimits = { success: 64, other: 16 };
const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;
/** Lets queued microtasks run (the handler closes an overflowed connection from one). */
const microtasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('bufferWithDeadline', () => {
  it('reads the body whole: headers answer first, bytes() once the last chunk came; the deadline disarms', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, [...HEADERS, Buffer.from('x-a'), Buffer.from('1')], () => undefined, 'OK');
    const answered = await settled(sent);
    assert.ok(answered !== 'pending' && answered.value !== undefined);
    const response = answered.value;
    assert.equal(response.statusCode, 200);
    assert.equal(response.statusText, 'OK');
    assert.deepEqual(response.headers, { 'content-type': 'text/plain', 'x-a': '1' });
    const bytes = response.body.bytes();
    assert.equal(await settled(bytes), 'pending');
    dispatcher.handler().onData(Buffer.from('{"ok"'));
    dispatcher.handler().onData(Buffer.from(':true}'));
    dispatcher.handler().onComplete([]);
    assert.equal((await bytes).toString(), '{"ok":true}');
    assert.equal(response.body.overflowed, false);
    assert.equal(sweep.size, 0);
    tick(10_000);
    assert.deepEqual(dispatcher.aborts, []);
  });

  it('no socket within the deadline: ConnectTimeoutError at the deadline; undici aborts it when it gets one', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
    tick(299);
    assert.equal(await settled(sent), 'pending');
    tick(1);
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending');
    assert.equal(codeOf(outcome.error), 'UND_ERR_CONNECT_TIMEOUT');
    dispatcher.connect();
    assert.equal(dispatcher.aborts[0], outcome.error);
    assert.equal(sweep.size, 0);
  });

  it('on a socket, no final headers (a 1xx does not count): HeadersTimeoutError, the request aborted', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
    dispatcher.connect();
    tick(100);
    dispatcher.handler().onHeaders(103, [], () => undefined, 'Early Hints');
    tick(199);
    assert.deepEqual(dispatcher.aborts, []);
    tick(1);
    const outcome = await settled(sent);
    assert.ok(outcome !== 'pending');
    assert.equal(outcome.error, dispatcher.aborts[0]);
    assert.equal(codeOf(outcome.error), 'UND_ERR_HEADERS_TIMEOUT');
    assert.equal(sweep.size, 0);
  });

  it('each chunk pushes the body deadline back; a stall fails bytes(), aborts the request, keeps what arrived', async (t) => {
    const { sweep, tick } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
    dispatcher.connect();
    tick(250);
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    const { body } = await sent;
    const bytes = body.bytes().catch((error: unknown) => error);
    tick(250); // within 300 ms of the headers
    dispatcher.handler().onData(Buffer.from('{"partial":'));
    tick(299); // within 300 ms of the chunk
    assert.deepEqual(dispatcher.aborts, []);
    tick(1);
    const error = (await bytes) as Error;
    assert.equal(codeOf(error), 'UND_ERR_BODY_TIMEOUT');
    assert.equal(error.message, 'No response body data for 300 ms');
    assert.equal(dispatcher.aborts[0], error);
    assert.equal((await body.received()).toString(), '{"partial":');
    assert.equal(sweep.size, 0);
  });

  it('an error mid-body fails bytes() with it; received() and dump() still settle', async (t) => {
    const { sweep } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 0, LIMITS, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    const { body } = await sent;
    dispatcher.handler().onData(Buffer.from('{"a":'));
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    dispatcher.handler().onError(reset);
    await assert.rejects(body.bytes(), reset);
    assert.equal((await body.received()).toString(), '{"a":');
    await body.dump();
  });

  it('a 2xx declared over the limit is not read: overflowed, and the connection is closed', async (t) => {
    const { sweep } = fakeSweep(t);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
    dispatcher.connect();
    const declared = [Buffer.from('content-length'), Buffer.from('65')];
    dispatcher.handler().onHeaders(200, declared, () => undefined, 'OK');
    const { body } = await sent;
    assert.equal(body.overflowed, true);
    assert.equal((await body.bytes()).byteLength, 0);
    await microtasks();
    assert.equal(codeOf(dispatcher.aborts[0]), 'UND_ERR_ABORTED');
    assert.equal(sweep.size, 0);
  });

  it('a body that outgrows its limit stops being kept: a 2xx is overflowed, a failure keeps its beginning', async (t) => {
    const { sweep } = fakeSweep(t);
    for (const [status, limit] of [
      [200, LIMITS.success],
      [503, LIMITS.other],
    ] as const) {
      const dispatcher = scriptedDispatcher();
      const sent = bufferWithDeadline(dispatcher, OPTIONS, 300, LIMITS, sweep);
      dispatcher.connect();
      dispatcher.handler().onHeaders(status, HEADERS, () => undefined, 'Status');
      const { body } = await sent;
      for (let i = 0; i < 10; i++) dispatcher.handler().onData(Buffer.alloc(10, 97));
      assert.equal(body.overflowed, true, String(status));
      assert.equal((await body.received()).byteLength, limit, String(status));
      await microtasks();
      assert.equal(dispatcher.aborts.length, 1, `${status}: one abort`);
    }
    assert.equal(sweep.size, 0);
  });

  it("a redirect's body is read under the success limit; dump() cuts one over 128 KiB, as undici's does", async (t) => {
    const { sweep } = fakeSweep(t);
    const kept = scriptedDispatcher();
    const sentKept = bufferWithDeadline(kept, OPTIONS, 300, LIMITS, sweep);
    kept.connect();
    kept.handler().onHeaders(302, HEADERS, () => undefined, 'Found');
    const { body: small } = await sentKept;
    kept.handler().onData(Buffer.alloc(40, 97)); // over `other` (16), within `success` (64)
    kept.handler().onComplete([]);
    assert.equal(small.overflowed, false);
    assert.equal((await small.bytes()).byteLength, 40);

    const dumped = scriptedDispatcher();
    const big = { ...LIMITS, success: 1024 * 1024 };
    const sentBig = bufferWithDeadline(dumped, OPTIONS, 300, big, sweep);
    dumped.connect();
    const declared = [Buffer.from('content-length'), Buffer.from(String(200 * 1024))];
    dumped.handler().onHeaders(301, declared, () => undefined, 'Moved');
    const { body } = await sentBig;
    await body.dump();
    await microtasks();
    assert.equal(codeOf(dumped.aborts[0]), 'UND_ERR_ABORTED');

    const grown = scriptedDispatcher();
    const sentGrown = bufferWithDeadline(grown, OPTIONS, 300, big, sweep);
    grown.connect();
    grown.handler().onHeaders(307, HEADERS, () => undefined, 'Temporary Redirect');
    const { body: growing } = await sentGrown;
    const done = growing.dump();
    for (let i = 0; i < 3; i++) grown.handler().onData(Buffer.alloc(64 * 1024));
    await done;
    await microtasks();
    assert.equal(grown.aborts.length, 1, 'cut once it passed 128 KiB');
    assert.equal(sweep.size, 0);
  });

  it('a dispatcher that throws instead of calling onError: the error rejects, nothing stays armed or listening', async (t) => {
    const { sweep } = fakeSweep(t);
    const signal = Object.assign(new EventEmitter(), { aborted: false, reason: undefined as unknown });
    const broken = new Error('dispatcher broke');
    const dispatcher = {
      dispatch: () => {
        throw broken;
      },
    };
    await assert.rejects(bufferWithDeadline(dispatcher, { ...OPTIONS, signal }, 300, LIMITS, sweep), broken);
    assert.equal(signal.listenerCount('abort'), 0);
    assert.equal(sweep.size, 0);
  });

  it('an EventEmitter signal fired mid-body ends the body with its reason; once ended, the listener is gone', async (t) => {
    const { sweep } = fakeSweep(t);
    const signal = Object.assign(new EventEmitter(), { aborted: false, reason: undefined as unknown });
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, { ...OPTIONS, signal }, 300, LIMITS, sweep);
    dispatcher.connect();
    dispatcher.handler().onHeaders(200, HEADERS, () => undefined, 'OK');
    const { body } = await sent;
    const reason = new Error('total deadline');
    Object.assign(signal, { aborted: true, reason });
    signal.emit('abort');
    await assert.rejects(body.bytes(), reason);
    assert.equal(dispatcher.aborts[0], reason);
    assert.equal(signal.listenerCount('abort'), 0);
    assert.equal(sweep.size, 0);
  });

  it('an AbortSignal already aborted: undici aborts the request with its reason on connect', async (t) => {
    const { sweep } = fakeSweep(t);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, { ...OPTIONS, signal: controller.signal }, 300, LIMITS, sweep);
    dispatcher.connect();
    await assert.rejects(sent, reason);
    assert.equal(dispatcher.aborts[0], reason);
  });

  it('a request body stream is destroyed with the error that ended the request', async (t) => {
    const { sweep } = fakeSweep(t);
    const upload = new PassThrough();
    const dispatcher = scriptedDispatcher();
    const sent = bufferWithDeadline(dispatcher, { ...OPTIONS, method: 'POST', body: upload }, 300, LIMITS, sweep);
    const refused = new Error('connection refused');
    dispatcher.handler().onError(refused);
    await assert.rejects(sent, refused);
    assert.equal(upload.destroyed, true);
    assert.equal(sweep.size, 0);
  });
});
