import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { createLazyResponse } from '../../../src/transport/LazyResponse.js';

const URL_ = 'http://upstream.test/items?page=1';

class BodyError extends Error {
  override readonly name = 'BodyError';
}
const toError = (error: unknown): unknown => new BodyError(`body failed: ${(error as Error).message}`);

/** A Node stream that hands out `chunks` one by one, as undici's body does. */
function streamOf(...chunks: (string | Buffer)[]): Readable {
  return Readable.from(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
    { objectMode: false },
  );
}

function failingStream(after: string): Readable {
  return new Readable({
    read() {
      this.push(Buffer.from(after));
      this.destroy(new Error('socket hang up'));
    },
  });
}

function response(
  body: Readable | Uint8Array,
  {
    status = 200,
    headers = {},
    method = 'GET',
  }: { status?: number; headers?: IncomingHttpHeaders; method?: string } = {},
): Response {
  return createLazyResponse(status, status === 200 ? 'OK' : '', headers, body, method, URL_, toError);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

describe('createLazyResponse', () => {
  it('is a real Response: status, statusText, ok, url, type, redirected', () => {
    const res = createLazyResponse(201, 'Created', {}, streamOf(''), 'POST', URL_, toError);
    assert.ok(res instanceof Response);
    assert.equal(res.status, 201);
    assert.equal(res.statusText, 'Created');
    assert.equal(res.ok, true);
    assert.equal(res.url, URL_);
    assert.equal(res.redirected, false);
    assert.equal(response(streamOf(''), { status: 503 }).ok, false);
  });

  it('answers every getter of Response.prototype itself, and prints and tags as a Response', () => {
    const res = response(streamOf('{}'), { headers: { 'content-type': 'application/json' } });
    // Response's constructor never ran: a getter left to Response.prototype would throw.
    const getters = Object.entries(Object.getOwnPropertyDescriptors(Response.prototype)).filter(
      ([, descriptor]) => descriptor.get !== undefined,
    );
    assert.ok(getters.length >= 9, 'status, ok, headers, body... are getters');
    for (const [name] of getters) assert.doesNotThrow(() => (res as unknown as Record<string, unknown>)[name], name);
    assert.equal(res.type, 'default');
    assert.equal(Object.prototype.toString.call(res), '[object Response]');
    assert.match(inspect(res), /^Response \{\n? *status: 200,/);
  });

  it('headers: WHATWG Headers, case-insensitive, repeated values kept (set-cookie apart)', () => {
    const res = response(streamOf(''), {
      headers: {
        'content-type': 'application/json',
        'set-cookie': ['a=1', 'b=2'],
        'x-multi': ['accept', 'origin'],
        'x-absent': undefined,
      },
    });
    assert.ok(res.headers instanceof Headers);
    assert.equal(res.headers.get('Content-Type'), 'application/json');
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(res.headers.get('x-multi'), 'accept, origin');
    assert.equal(res.headers.has('x-absent'), false);
  });

  describe('reading the body', () => {
    it('text() joins the chunks before decoding: a character split across chunks survives', async () => {
      const euro = Buffer.from('€');
      const res = response(streamOf('price: ', euro.subarray(0, 1), euro.subarray(1), '5'));
      assert.equal(await res.text(), 'price: €5');
    });

    it('json() parses; invalid JSON rejects with a SyntaxError', async () => {
      assert.deepEqual(await response(streamOf('{"a":', '[1,2]}')).json(), { a: [1, 2] });
      await assert.rejects(response(streamOf('{oops')).json(), SyntaxError);
    });

    it('arrayBuffer() holds exactly the body, even when the bytes are a view into a larger buffer', async () => {
      const backing = Buffer.from('xxHELLOxx');
      for (const body of [backing.subarray(2, 7), streamOf(backing.subarray(2, 7))]) {
        const buffer = await response(body).arrayBuffer();
        assert.ok(buffer instanceof ArrayBuffer);
        assert.equal(Buffer.from(buffer).toString(), 'HELLO');
      }
    });

    it('bytes() and blob() (typed by content-type)', async () => {
      const bytes = await (response(streamOf('ab')) as Response & { bytes(): Promise<Uint8Array> }).bytes();
      assert.ok(bytes instanceof Uint8Array);
      assert.deepEqual([...bytes], [97, 98]);
      const blob = await response(streamOf('<p/>'), { headers: { 'content-type': 'text/html' } }).blob();
      assert.equal(blob.type, 'text/html');
      assert.equal(await blob.text(), '<p/>');
      assert.equal((await response(streamOf('x')).blob()).type, '');
    });

    it('formData() reads a urlencoded body', async () => {
      const res = response(streamOf('a=1&b=two'), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const form = await res.formData();
      assert.equal(form.get('a'), '1');
      assert.equal(form.get('b'), 'two');
    });

    it('a body already read (bytes, for failures) is read the same way', async () => {
      assert.deepEqual(await response(Buffer.from('{"error":"busy"}'), { status: 503 }).json(), { error: 'busy' });
    });

    it('bodyUsed turns true once read; a second read rejects with a TypeError', async () => {
      const res = response(streamOf('once'));
      assert.equal(res.bodyUsed, false);
      assert.equal(await res.text(), 'once');
      assert.equal(res.bodyUsed, true);
      await assert.rejects(res.text(), TypeError);
      await assert.rejects(res.json(), TypeError);
      await assert.rejects(res.arrayBuffer(), TypeError);
    });

    it("a stream that fails mid-body rejects with what toError makes of the stream's error", async () => {
      await assert.rejects(response(failingStream('partial')).text(), {
        name: 'BodyError',
        message: 'body failed: socket hang up',
      });
    });
  });

  describe('body (the web stream, made when touched)', () => {
    it('streams the whole body, and bodyUsed turns true once read', async () => {
      const res = response(streamOf('a', 'b', 'c'));
      const body = res.body;
      assert.ok(body instanceof ReadableStream);
      assert.equal(res.body, body, 'the same stream each time');
      assert.equal(res.bodyUsed, false, 'touching is not reading');
      assert.equal(await readAll(body), 'abc');
      assert.equal(res.bodyUsed, true);
      await assert.rejects(res.text(), TypeError);
    });

    it('touched but not read, text() still reads it all', async () => {
      const res = response(streamOf('x', 'y'));
      assert.ok(res.body);
      assert.equal(await res.text(), 'xy');
      assert.equal(res.bodyUsed, true);
    });

    it('over a body already read (bytes), reading the stream marks bodyUsed too', async () => {
      const res = response(Buffer.from('done'));
      assert.equal(await readAll(res.body!), 'done');
      assert.equal(res.bodyUsed, true);
    });

    it("a stream that fails mid-body errors the web stream with toError's result", async () => {
      const res = response(failingStream('partial'));
      await assert.rejects(readAll(res.body!), { name: 'BodyError', message: 'body failed: socket hang up' });
    });

    it('cancelling the web stream destroys the Node stream and marks the body used', async () => {
      const source = streamOf('a', 'b');
      const res = response(source);
      await res.body!.cancel();
      assert.equal(source.destroyed, true);
      assert.equal(res.bodyUsed, true);
    });
  });

  describe('no body: HEAD and the null-body statuses', () => {
    for (const [status, method] of [
      [204, 'GET'],
      [205, 'GET'],
      [304, 'GET'],
      [200, 'HEAD'],
    ] as const) {
      it(`${method} ${status}: body null, text() empty, the stream drained back to the pool`, async () => {
        const source = streamOf('ignored');
        const res = response(source, { status, method });
        assert.equal(res.status, status);
        assert.equal(res.body, null);
        assert.equal(await res.text(), '');
        assert.equal(source.readableFlowing, true, 'resumed so the connection is released');
      });
    }
  });

  describe('clone()', () => {
    it('both copies read the whole body, with the same status, headers and url', async () => {
      const res = response(streamOf('{"n":', '1}'), { headers: { etag: '"v1"' } });
      const copy = res.clone();
      assert.ok(copy instanceof Response);
      assert.equal(copy.status, 200);
      assert.equal(copy.url, URL_);
      assert.equal(copy.headers.get('etag'), '"v1"');
      const [a, b] = await Promise.all([res.json(), copy.text()]);
      assert.deepEqual(a, { n: 1 });
      assert.equal(b, '{"n":1}');
    });

    it('a clone of a body already read (bytes), and of a null body', async () => {
      const res = response(Buffer.from('bytes'));
      const copy = res.clone();
      assert.equal(await copy.text(), 'bytes');
      assert.equal(await res.text(), 'bytes');
      const empty = response(streamOf('x'), { status: 204 });
      assert.equal(empty.clone().body, null);
    });

    it('the clone read first leaves the original readable, as with any Response', async () => {
      const res = response(streamOf('a', 'b'));
      const copy = res.clone();
      assert.equal(await copy.text(), 'ab');
      assert.equal(res.bodyUsed, false);
      assert.equal(await res.text(), 'ab');
    });

    it('cloning a used body throws a TypeError', async () => {
      const res = response(streamOf('x'));
      await res.text();
      assert.throws(() => res.clone(), TypeError);
    });
  });
});
