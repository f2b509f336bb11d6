import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazyRequire.js';
import type { DispatcherLike } from '../types/client.js';
import { appGlobalDispatcher } from './appGlobalDispatcher.js';
import type { ProxySettings } from './ProxySettings.js';
import { proxyRefusal } from './proxyRefusal.js';
import { type BodyLimits, type BufferedResponse, bufferWithDeadline } from './bufferWithDeadline.js';
import { sendWithDeadline } from './sendWithDeadline.js';

const undici = lazyRequire<typeof import('undici')>('undici');

/**
 * undici's own headers and body timeouts stay on as a backstop this much later than the
 * attempt deadline, which the shared sweep enforces exactly: undici's timers are coarse
 * (they fire up to about a second off), so they can never beat the sweep to it.
 */
const UNDICI_BACKSTOP_MS = 1_000;

/** undici's headers and body timeouts for an attempt deadline (null: undici's defaults). */
function backstopOf(timeoutMs: number): number | null {
  return timeoutMs > 0 ? timeoutMs + UNDICI_BACKSTOP_MS : null;
}

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
  /**
   * Milliseconds to wait for a connection and for headers, and between body chunks
   * (0: no limit), kept exactly by the shared deadline sweep.
   */
  readonly timeoutMs: number;
  /** The call's own dispatcher, which wins over the transport's choice. */
  readonly dispatcher?: DispatcherLike | undefined;
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
  /**
   * Sends `request` and reads its body whole, with no stream (what `json()` needs). A
   * transport without it has its responses read through `send`'s stream.
   */
  sendBuffered?(request: TransportRequest, limits: BodyLimits): Promise<BufferedResponse>;
  /**
   * The HTTP version a request with the call's `dispatcher` would be sent with, when the
   * transport knows it without sending (`network.protocol.version`); undefined when it
   * goes through a dispatcher that is not the transport's own.
   */
  protocolVersion?(dispatcher: DispatcherLike | undefined): string | undefined;
  close(): Promise<void>;
}

/** Options of {@link createUndiciTransport}. */
export interface UndiciTransportOptions {
  /** Connect timeout in ms (undici's `connect.timeout`). */
  readonly connectTimeoutMs: number;
  /** The client's `dispatcher` option: every request goes through it. */
  readonly dispatcher?: DispatcherLike | undefined;
  /** Proxies from the environment, used when neither the client nor the app set a dispatcher. */
  readonly proxy?: ProxySettings | undefined;
}

/**
 * The transport over undici's `Dispatcher.request`: the cheapest HTTP client Node has
 * (see bench/), with keep-alive pools per origin held by one Agent. One request per
 * call: redirects are followed by `followRedirects`.
 *
 * Where a request goes: the call's `dispatcher`, else the client's, else the one the app
 * installed with `setGlobalDispatcher` (looked up per request, so one installed later
 * counts), else an `EnvHttpProxyAgent` when the environment names a proxy, else the
 * Agent. The last is the fast path, sent exactly as before dispatchers existed.
 */
export function createUndiciTransport(options: UndiciTransportOptions): Transport {
  const { Agent, EnvHttpProxyAgent } = undici();
  const connect = { timeout: options.connectTimeoutMs > 0 ? options.connectTimeoutMs : 10_000 };
  const fixed = options.dispatcher;
  const { proxy } = options;
  const agent = new Agent({ connect });
  const proxied =
    fixed === undefined && proxy !== undefined
      ? new EnvHttpProxyAgent({
          // Given explicitly ('' for unset) so undici never falls back to process.env.
          httpProxy: proxy.httpProxy ?? '',
          httpsProxy: proxy.httpsProxy ?? '',
          noProxy: proxy.noProxy ?? '',
          // http: URLs are forwarded as curl does (most egress proxies refuse CONNECT to
          // port 80); https: URLs are tunnelled.
          proxyTunnel: false,
          connect,
        })
      : undefined;

  /** An exchange of one request: sendWithDeadline (a stream body), or bufferWithDeadline with its limits. */
  type Exchange<R> = (dispatcher: Dispatcher, options: Dispatcher.RequestOptions, timeoutMs: number) => Promise<R>;

  /** Sends `request` where it goes (see above) with `exchange`. */
  const dispatch = <R>(request: TransportRequest, exchange: Exchange<R>): Promise<R> => {
    const timeout = backstopOf(request.timeoutMs);
    const dispatcher = request.dispatcher ?? fixed ?? appGlobalDispatcher() ?? proxied;
    const options: Dispatcher.RequestOptions = {
      origin: request.origin,
      path: request.path,
      method: request.method as Dispatcher.HttpMethod,
      // Through another dispatcher, a copy: undici's ProxyAgent writes a host header into
      // the object it is given, which would then follow a redirect to another origin.
      headers: dispatcher === undefined ? request.headers : { ...request.headers },
      body: (request.body ?? null) as Exclude<Dispatcher.DispatchOptions['body'], undefined>,
      signal: request.signal as AbortSignal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    };
    if (dispatcher === undefined) return exchange(agent, options, request.timeoutMs);
    // Any undici version's dispatcher, through its `dispatch`.
    return exchange(dispatcher as unknown as Dispatcher, options, request.timeoutMs).catch((error: unknown) => {
      throw proxyRefusal(error);
    });
  };

  return {
    // undici's response does not say which protocol answered; faultline's own Agent and
    // proxy agent are built without `allowH2`, so they only ever speak HTTP/1.1.
    protocolVersion: (dispatcher) =>
      dispatcher === undefined && fixed === undefined && appGlobalDispatcher() === undefined ? '1.1' : undefined,
    send: (request) => dispatch(request, sendWithDeadline as Exchange<TransportResponse>),
    sendBuffered: (request, limits) =>
      dispatch(request, (dispatcher, options, timeoutMs) => bufferWithDeadline(dispatcher, options, timeoutMs, limits)),
    // The client's and the app's dispatchers belong to the app: only ours are closed.
    close: async () => {
      await Promise.all([agent.close(), proxied?.close()]);
    },
  };
}
