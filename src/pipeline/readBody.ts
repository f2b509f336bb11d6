import type { TransportResponse } from '../transport/undiciTransport.js';

/**
 * The body as text for json() when its declared length is not within `limit`: undefined
 * when it is larger (the rest is not read: an endless body cannot exhaust memory).
 */
export async function readJsonText(response: TransportResponse, limit: number): Promise<string | undefined> {
  const { body } = response;
  if (Number(response.headers['content-length']) > limit) {
    body.destroy();
    return undefined;
  }
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
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads up to `limit` bytes of a body and drops the rest; a broken body reads as what arrived. */
export async function readBounded(response: TransportResponse, limit: number): Promise<Uint8Array> {
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
