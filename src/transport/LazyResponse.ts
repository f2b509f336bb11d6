import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { nodeStream } from '../core/nodeBuiltins.js';

/** Node's own test of a web stream having been read or cancelled (Node 16.8+; untyped in @types/node 20). */
function isDisturbed(stream: ReadableStream): boolean {
  return (nodeStream() as unknown as { isDisturbed(stream: ReadableStream): boolean }).isDisturbed(stream);
}

/** Statuses whose responses never carry a body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type Source = Readable | Uint8Array | null;

/** undici's response body: a Node stream with the fetch body methods (`BodyReadable`). */
interface UndiciBody {
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

function isUndiciBody(source: Readable): source is Readable & UndiciBody {
  return typeof (source as Partial<UndiciBody>).text === 'function';
}

type HeadersSource = Headers | IncomingHttpHeaders;

type LazyResponseClass = new (
  status: number,
  statusText: string,
  headers: HeadersSource,
  source: Source,
  url: string,
  toError: (error: unknown) => unknown,
) => Response;

let lazyResponseClass: LazyResponseClass | undefined;

/**
 * A WHATWG `Response` whose body stays undici's Node stream until someone asks for a web
 * stream. Building a ReadableStream costs more than the whole undici request (about 12 µs
 * on Node 20), so `json()`, `text()`, `arrayBuffer()` and `bytes()` read the Node stream
 * directly, and `body` converts only when touched. Its `headers` are built on first read
 * too: most callers never look. It is a real Response subclass: `instanceof Response`,
 * `headers`, `status`, `ok` and `clone()` work as usual.
 */
function defineLazyResponse(): LazyResponseClass {
  // Response's prototype is put under this class's rather than extended: Response's own
  // constructor (its WebIDL conversions and internal state) would cost every call, and
  // sharing its allocations with global fetch's responses moves them to the old heap
  // once fetch has run in the process. Every member of Response.prototype is answered
  // here, so none of its methods reaches for the state it never got. Defined on first use:
  // touching the global Response loads Node's bundled undici (~15 ms), which
  // `import 'faultline'` must not pay.
  class LazyResponse {
    #source: Source;
    #stream: ReadableStream<Uint8Array> | null | undefined;
    #used = false;
    readonly #url: string;
    readonly #status: number;
    readonly #statusText: string;
    #headers: HeadersSource;
    readonly #toError: (error: unknown) => unknown;

    constructor(
      status: number,
      statusText: string,
      headers: HeadersSource,
      source: Source,
      url: string,
      toError: (error: unknown) => unknown,
    ) {
      this.#status = status;
      this.#statusText = statusText;
      this.#headers = headers;
      this.#source = source;
      this.#url = url;
      this.#toError = toError;
    }

    get url(): string {
      return this.#url;
    }

    get status(): number {
      return this.#status;
    }

    get statusText(): string {
      return this.#statusText;
    }

    get ok(): boolean {
      return this.#status >= 200 && this.#status <= 299;
    }

    /** As a Response built with `new Response()`: 'default', never redirected. */
    get type(): Response['type'] {
      return 'default';
    }

    get redirected(): boolean {
      return false;
    }

    get headers(): Headers {
      const headers = this.#headers;
      if (headers instanceof Headers) return headers;
      this.#headers = toHeaders(headers);
      return this.#headers;
    }

    get bodyUsed(): boolean {
      // A body handed out as a web stream is used once that stream is read or cancelled,
      // as the fetch spec says; a clone reading its own branch leaves this one unused.
      return this.#used || (this.#stream != null && isDisturbed(this.#stream));
    }

    get body(): ReadableStream<Uint8Array> | null {
      if (this.#stream === undefined) this.#stream = this.#toWebStream();
      return this.#stream;
    }

    async arrayBuffer(): Promise<ArrayBuffer> {
      const bytes = await this.#readAll();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }

    async bytes(): Promise<Uint8Array<ArrayBuffer>> {
      return new Uint8Array(await this.arrayBuffer());
    }

    async text(): Promise<string> {
      // A source still held is unread (reading or touching `body` takes it): undici reads it best.
      const source = this.#source;
      if (source !== null && !(source instanceof Uint8Array) && isUndiciBody(source)) {
        this.#used = true;
        this.#source = null;
        try {
          return await source.text();
        } catch (error) {
          throw this.#toError(error);
        }
      }
      const bytes = await this.#readAll();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    }

    async json(): Promise<unknown> {
      const text = await this.text();
      return JSON.parse(text);
    }

    async blob(): Promise<Blob> {
      return new Blob([await this.arrayBuffer()], {
        type: this.headers.get('content-type') ?? '',
      });
    }

    async formData(): Promise<FormData> {
      return this.#standard().formData();
    }

    clone(): Response {
      if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
      const stream = this.body;
      if (stream === null)
        return new LazyResponse(
          this.#status,
          this.#statusText,
          this.headers,
          null,
          this.#url,
          this.#toError,
        ) as unknown as Response;
      const [mine, theirs] = stream.tee();
      this.#stream = mine;
      return new LazyResponse(
        this.#status,
        this.#statusText,
        this.headers,
        nodeStream().Readable.fromWeb(theirs as never),
        this.#url,
        this.#toError,
      ) as unknown as Response;
    }

    /** A plain Response over the same body, for the rarely used methods. */
    #standard(): Response {
      return new Response(this.body, {
        status: this.#status,
        statusText: this.#statusText,
        headers: this.headers,
      });
    }

    async #readAll(): Promise<Uint8Array> {
      if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
      this.#used = true;
      if (this.#stream !== undefined) {
        if (this.#stream === null) return new Uint8Array(0);
        return new Uint8Array(await new Response(this.#stream).arrayBuffer());
      }
      const source = this.#source;
      this.#source = null;
      if (source === null) return new Uint8Array(0);
      if (source instanceof Uint8Array) return source;
      if (isUndiciBody(source)) {
        try {
          return new Uint8Array(await source.arrayBuffer());
        } catch (error) {
          throw this.#toError(error);
        }
      }
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of source) chunks.push(chunk as Buffer);
      } catch (error) {
        throw this.#toError(error);
      }
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }

    #toWebStream(): ReadableStream<Uint8Array> | null {
      const source = this.#source;
      this.#source = null;
      if (source === null) return null;
      if (source instanceof Uint8Array) {
        return new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(source);
            controller.close();
          },
        });
      }
      const toError = this.#toError;
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            source.on('data', (chunk: Buffer) => {
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              if ((controller.desiredSize ?? 0) <= 0) source.pause();
            });
            source.once('end', () => controller.close());
            source.once('error', (error) => controller.error(toError(error)));
            source.pause();
          },
          pull() {
            source.resume();
          },
          cancel() {
            source.destroy();
          },
        },
        { highWaterMark: 65_536, size: (chunk) => chunk.byteLength },
      );
    }
  }

  Object.setPrototypeOf(LazyResponse.prototype, Response.prototype);
  return LazyResponse as unknown as LazyResponseClass;
}

/** True when the Response for this method and status carries no body (HEAD, 204, 304...). */
export function hasNullBody(method: string, status: number): boolean {
  return method === 'HEAD' || NULL_BODY_STATUSES.has(status);
}

/** undici's header object as WHATWG Headers. */
function toHeaders(rawHeaders: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const name in rawHeaders) {
    const value = rawHeaders[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const item of value) headers.append(name, item);
  }
  return headers;
}

/**
 * Wraps undici's response: its headers become WHATWG Headers when first read, the body is
 * left as it is (or already read, for failures). A null-body status or HEAD gets no body and its stream is
 * drained so the connection goes back to the pool.
 */
export function createLazyResponse(
  status: number,
  statusText: string,
  rawHeaders: IncomingHttpHeaders,
  body: Readable | Uint8Array,
  method: string,
  url: string,
  toError: (error: unknown) => unknown,
): Response {
  let source: Source = body;
  if (hasNullBody(method, status)) {
    if (!(body instanceof Uint8Array)) body.resume();
    source = null;
  }
  lazyResponseClass ??= defineLazyResponse();
  return new lazyResponseClass(status, statusText, rawHeaders, source, url, toError);
}
