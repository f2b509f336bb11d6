import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazyRequire.js';
import { markComplete } from './bodyCompletion.js';
import { type Deadline, type DeadlineSweep, deadlineSweep } from './deadlineSweep.js';
import { noop } from '../core/noop.js';
import { attemptTimeoutError } from './attemptTimeoutError.js';

type Callback = (error: Error | null, data: Dispatcher.ResponseData<null>) => void;

/** The part of undici's RequestHandler (the handler behind `Dispatcher.request`) used here. */
declare class RequestHandlerBase {
  constructor(options: Dispatcher.RequestOptions, callback: Callback);
  /** The response body, from the final headers until the request ends. */
  res: Readable | null;
  /** Aborts the request; set once it is on a socket. */
  abort: ((reason: Error) => void) | null;
  /** An abort asked for before the request reached a socket. */
  reason: unknown;
  callback: Callback | null;
  opaque: unknown;
  runInAsyncScope(fn: Callback, thisArg: null, error: Error, data: { opaque: unknown }): void;
  onConnect(abort: (reason: Error) => void, context: unknown): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): unknown;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[]): void;
  onError(error: Error): void;
}

const requestModule = lazyRequire<{ RequestHandler: typeof RequestHandlerBase }>('undici/lib/api/api-request.js');

type DeadlineHandlerClass = new (
  options: Dispatcher.RequestOptions,
  callback: Callback,
  timeoutMs: number,
  sweep: DeadlineSweep,
) => RequestHandlerBase & Deadline;

let deadlineHandlerClass: DeadlineHandlerClass | undefined;

/**
 * undici's request handler with the attempt's deadline kept on the shared sweep instead
 * of undici's coarse timers. Its phases follow the handler's own events, synchronously:
 * armed when dispatched (the `connect` phase until the request reaches a socket, then
 * `headers`; each chunk of a request body sent pushes it back); re-armed when the
 * final headers arrive (`body`); each body chunk pushes it back by a number write; the
 * end of the response or an error disarms it. The handler is the sweep's entry: an
 * attempt costs no object beyond the handler undici would have made anyway.
 */
function defineDeadlineHandler(): DeadlineHandlerClass {
  const { RequestHandler } = requestModule();

  class DeadlineRequestHandler extends RequestHandler implements Deadline {
    expiresAt: number;
    /** The deadline sweep's bookkeeping (see `Deadline`). */
    sweepSlot = -1;
    private readonly timeoutMs: number;
    private readonly sweep: DeadlineSweep;

    constructor(options: Dispatcher.RequestOptions, callback: Callback, timeoutMs: number, sweep: DeadlineSweep) {
      super(options, callback);
      this.timeoutMs = timeoutMs;
      this.sweep = sweep;
      this.expiresAt = sweep.now() + timeoutMs;
      if (timeoutMs > 0) sweep.arm(this);
    }

    // A request body still uploading is progress, not a stall: each chunk sent pushes the
    // wait for headers back, which then runs from the last one.
    onBodySent(): void {
      this.expiresAt = this.sweep.now() + this.timeoutMs;
    }

    override onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): unknown {
      const result = super.onHeaders(statusCode, rawHeaders, resume, statusText);
      // A 1xx leaves `res` null: the final headers are still awaited.
      if (this.res !== null) this.expiresAt = this.sweep.now() + this.timeoutMs;
      return result;
    }

    override onData(chunk: Buffer): boolean {
      // A number write, armed or not: cheaper than asking.
      this.expiresAt = this.sweep.now() + this.timeoutMs;
      return super.onData(chunk);
    }

    override onComplete(trailers: Buffer[]): void {
      this.sweep.disarm(this);
      const { res } = this;
      super.onComplete(trailers);
      if (res !== null) markComplete(res);
    }

    override onError(error: Error): void {
      this.sweep.disarm(this);
      super.onError(error);
    }

    expire(now: number): void {
      const { res } = this;
      if (res !== null) {
        // A full buffer means the reader is behind and undici paused the socket: the
        // server is not stalling (undici's own body timeout does not fire while paused).
        if (res.readableLength >= res.readableHighWaterMark && !res.destroyed) {
          this.expiresAt = now + this.timeoutMs;
          this.sweep.arm(this);
          return;
        }
        // Whoever reads the body (now or later) gets the error; an unread body must not
        // turn it into an uncaught 'error' event.
        res.on('error', noop).destroy(attemptTimeoutError('body', this.timeoutMs));
        return;
      }
      // `abort` is set once the request is on a socket.
      if (this.abort !== null) {
        this.abort(attemptTimeoutError('headers', this.timeoutMs));
        return;
      }
      // Still queued or connecting: undici aborts it when it reaches a socket (before
      // writing a byte); the caller hears now.
      const error = attemptTimeoutError('connect', this.timeoutMs);
      this.reason = error;
      const { callback } = this;
      if (callback === null) return;
      this.callback = null;
      this.runInAsyncScope(callback, null, error, { opaque: this.opaque });
    }
  }

  return DeadlineRequestHandler as unknown as DeadlineHandlerClass;
}

/**
 * `dispatcher.request(options)` with an exact attempt deadline of `timeoutMs`: no
 * connection within it, no headers within it, or no body chunk for that long ends the
 * request with undici's `ConnectTimeoutError` / `HeadersTimeoutError` /
 * `BodyTimeoutError` (codes `UND_ERR_CONNECT_TIMEOUT`, `UND_ERR_HEADERS_TIMEOUT`,
 * `UND_ERR_BODY_TIMEOUT`) within the sweep's interval of the deadline. A body the caller
 * reads later is still watched, and gets the error when read. `timeoutMs` 0 sets no deadline.
 * Either way the body is marked complete when its last byte arrives (see `whenComplete`).
 */
export function sendWithDeadline(
  dispatcher: Pick<Dispatcher, 'dispatch'>,
  options: Dispatcher.RequestOptions,
  timeoutMs: number,
  sweep: DeadlineSweep = deadlineSweep,
): Promise<Dispatcher.ResponseData<null>> {
  deadlineHandlerClass ??= defineDeadlineHandler();
  const Handler = deadlineHandlerClass;
  return new Promise((resolve, reject) => {
    let handler: (RequestHandlerBase & Deadline) | undefined;
    try {
      handler = new Handler(options, (error, data) => (error ? reject(error) : resolve(data)), timeoutMs, sweep);
      dispatcher.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      if (handler !== undefined) sweep.disarm(handler);
      reject(error as Error);
    }
  });
}
