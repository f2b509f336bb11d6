import { nodeStream } from '../core/nodeBuiltins.js';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RequestBody } from '../types/client.js';

/** A body ready for the transport, and whether it can be sent again. */
export interface PreparedBody {
  readonly body: string | Uint8Array | NodeJS.ReadableStream | FormData | undefined;
  /** What signing sees: the bytes, `undefined` for none, `null` when unreadable ahead. */
  readonly signable: string | Uint8Array | null | undefined;
  /** False for streams: they are consumed by the first attempt. */
  readonly replayable: boolean;
  /** The content-type the body implies, when the caller set none. */
  readonly contentType?: string;
}

/** No body at all. */
export const NO_BODY: PreparedBody = { body: undefined, signable: undefined, replayable: true };

/** Normalises what a caller passed as `body` or `json` into what undici sends. */
export async function prepareBody(body: RequestBody | undefined, json: unknown): Promise<PreparedBody> {
  if (json !== undefined) {
    const text = JSON.stringify(json);
    return { body: text, signable: text, replayable: true, contentType: 'application/json' };
  }
  if (body === undefined || body === null) return NO_BODY;
  if (typeof body === 'string') {
    return { body, signable: body, replayable: true, contentType: 'text/plain;charset=UTF-8' };
  }
  if (body instanceof Uint8Array) return { body, signable: body, replayable: true };
  if (body instanceof ArrayBuffer) {
    const bytes = new Uint8Array(body);
    return { body: bytes, signable: bytes, replayable: true };
  }
  if (body instanceof URLSearchParams) {
    const text = body.toString();
    return {
      body: text,
      signable: text,
      replayable: true,
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (body instanceof FormData) return { body, signable: null, replayable: true };
  if (body instanceof Blob) {
    const bytes = new Uint8Array(await body.arrayBuffer());
    return body.type === ''
      ? { body: bytes, signable: bytes, replayable: true }
      : { body: bytes, signable: bytes, replayable: true, contentType: body.type };
  }
  if (isWebStream(body)) {
    return {
      body: nodeStream().Readable.fromWeb(body as WebReadableStream<Uint8Array>),
      signable: null,
      replayable: false,
    };
  }
  if (body instanceof nodeStream().Readable || isNodeStream(body)) {
    return { body: body as NodeJS.ReadableStream, signable: null, replayable: false };
  }
  if (Symbol.asyncIterator in body) {
    return {
      body: nodeStream().Readable.from(body as AsyncIterable<Uint8Array>),
      signable: null,
      replayable: false,
    };
  }
  const text = String(body);
  return { body: text, signable: text, replayable: true, contentType: 'text/plain;charset=UTF-8' };
}

function isWebStream(body: object): boolean {
  return typeof (body as { getReader?: unknown }).getReader === 'function';
}

function isNodeStream(body: object): boolean {
  return typeof (body as { pipe?: unknown }).pipe === 'function' && typeof (body as { on?: unknown }).on === 'function';
}
