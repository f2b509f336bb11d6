import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazyRequire.js';

const undici = lazyRequire<typeof import('undici')>('undici');

/** One attempt as the transport sends it. */
export interface TransportRequest {
  readonly origin: string;
  /** Path with query, starting with '/'. */
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | NodeJS.ReadableStream | FormData | undefined;
  /** An AbortSignal, or an EventEmitter that emits 'abort' (cheaper; undici takes both). */
  readonly signal: AbortSignal | TransportAbortEmitter;
  /** Milliseconds to wait for headers and between body chunks (0: no limit). */
  readonly timeoutMs: number;
}

/** The EventEmitter form of an abort signal that undici accepts. */
export interface TransportAbortEmitter {
  readonly aborted: boolean;
  readonly reason: unknown;
  on(event: 'abort', listener: () => void): unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

/** The response as undici hands it over: status, raw headers and a Node stream body. */
export type TransportResponse = Dispatcher.ResponseData<null>;

/** Sends attempts. One keep-alive connection pool per origin. */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

/** Options of {@link createUndiciTransport}. */
export interface UndiciTransportOptions {
  /** Connect timeout in ms (undici's `connect.timeout`). */
  readonly connectTimeoutMs: number;
}

/**
 * The transport over undici's `Dispatcher.request`: the cheapest HTTP client Node has
 * (see bench/), with keep-alive pools per origin held by one Agent. One request per
 * call: redirects are followed by `followRedirects`.
 */
export function createUndiciTransport(options: UndiciTransportOptions): Transport {
  const { Agent } = undici();
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs > 0 ? options.connectTimeoutMs : 10_000 },
  });
  return {
    send(request) {
      const timeout = request.timeoutMs > 0 ? request.timeoutMs : null;
      return agent.request({
        origin: request.origin,
        path: request.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: (request.body ?? null) as Exclude<Dispatcher.DispatchOptions['body'], undefined>,
        signal: request.signal as AbortSignal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      }) as Promise<TransportResponse>;
    },
    close: () => agent.close(),
  };
}
