import { type BufferedResponse, isBuffered } from '../transport/bufferWithDeadline.js';
import type { TransportResponse } from '../transport/undiciTransport.js';

/**
 * The body as text for json(): undefined when it is larger than `limit` (the rest is not
 * read: an endless body cannot exhaust memory). A leading byte order mark is dropped, as
 * fetch's `text()` does.
 */
export async function readJsonText(
  response: TransportResponse | BufferedResponse,
  limit: number,
): Promise<string | undefined> {
  if (isBuffered(response)) {
    const bytes = await response.body.bytes();
    return response.body.overflowed ? undefined : utf8Text(bytes);
  }
  const { body } = response;
  const length = Number(response.headers['content-length']);
  if (length > limit) {
    body.destroy();
    return undefined;
  }
  // A declared length within the limit takes undici's fast path.
  if (length <= limit) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return utf8Text(Buffer.concat(chunks));
}

/** UTF-8 text without a leading byte order mark. */
function utf8Text(bytes: Buffer): string {
  const bom = bytes.byteLength >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

/** Reads up to `limit` bytes of a body and drops the rest; a broken body reads as what arrived. */
export async function readBounded(response: TransportResponse | BufferedResponse, limit: number): Promise<Uint8Array> {
  // Read whole, it was kept up to the limit it was sent with.
  if (isBuffered(response)) return (await response.body.received()).subarray(0, limit);
  const { body } = response;
  const length = Number(response.headers['content-length']);
  if (length <= limit) {
    // The common case, and undici's own fast path.
    try {
      return new Uint8Array(await body.arrayBuffer());
    } catch {
      return new Uint8Array(0);
    }
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      if (size + buffer.byteLength > limit) {
        chunks.push(buffer.subarray(0, limit - size));
        body.destroy();
        break;
      }
      chunks.push(buffer);
      size += buffer.byteLength;
    }
  } catch {
    // What arrived is what the error can show.
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A body already read, parsed as JSON (undefined when empty). */
export function parseJson(body: Uint8Array | undefined): unknown {
  if (body === undefined || body.byteLength === 0) return undefined;
  return JSON.parse(Buffer.from(body).toString('utf8'));
}
