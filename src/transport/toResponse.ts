import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** Statuses whose responses never carry a body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps undici's response in a WHATWG `Response` without copying the body: the body
 * stays a stream, read on demand. A body stream error reaches the reader as `toError`
 * makes it (so a stall mid-body reads as a classified TimeoutError).
 */
export function toResponse(
  status: number,
  rawHeaders: IncomingHttpHeaders,
  body: Readable,
  method: string,
  url: string,
  toError: (error: unknown) => unknown,
): Response {
  const headers = new Headers();
  for (const name in rawHeaders) {
    const value = rawHeaders[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const item of value) headers.append(name, item);
  }
  let stream: ReadableStream<Uint8Array> | null = null;
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
    body.resume();
  } else {
    stream = webStreamOf(body, toError);
  }
  const response = new Response(stream, { status, headers });
  Object.defineProperty(response, 'url', { value: url, enumerable: true });
  return response;
}

function webStreamOf(
  body: Readable,
  toError: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        body.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) body.pause();
        });
        body.once('end', () => controller.close());
        body.once('error', (error) => controller.error(toError(error)));
      },
      pull() {
        body.resume();
      },
      cancel() {
        body.destroy();
      },
    },
    { highWaterMark: 65_536, size: (chunk) => chunk.byteLength },
  );
}
