import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazyRequire.js';
import { noop } from '../core/noop.js';
import { attemptTimeoutError } from './attemptTimeoutError.js';
import { type Deadline, type DeadlineSweep, deadlineSweep } from './deadlineSweep.js';

/** A response as undici's `request` hands it over (the transport's `TransportResponse`). */
type TransportResponse = Dispatcher.ResponseData<null>;

/** The part of undici's `lib/core/util.js` used here (the helpers its own request handler uses). */
interface UndiciUtil {
  parseHeaders(rawHeaders: Buffer[]): TransportResponse['headers'];
  addAbortListener(signal: AbortSignal | NodeJS.EventEmitter, listener: () => void): () => void;
  isStream(value: unknown): boolean;
  destroy(stream: unknown, error: Error): void;
}

const undiciUtil = lazyRequire<UndiciUtil>('undici/lib/core/util.js');
const undiciErrors = lazyRequire<typeof import('undici').errors>('undici/lib/core/errors.js');

/** How much of a body is kept. */
export interface BodyLimits {
  /**
   * The body of a status under 400 (what `json()` parses, a redirect it does not follow
   * included) is not read on past this many bytes: it is `overflowed`.
   */
  readonly success: number;
  /** A failure's body (400 and over) is kept up to this many bytes; the rest is not read. */
  readonly other: number;
}

/** A response body read whole by the request handler itself, with no stream in between. */
export interface BufferedBody {
  /** True when the body outgrew its limit: what was kept is its beginning, the rest was not read. */
  readonly overflowed: boolean;
  /** The body, once it has ended or outgrown its limit; rejects with the failure that cut it. */
  bytes(): Promise<Buffer>;
  /** What arrived, once the body has ended whichever way (a cut body reads as what arrived). */
  received(): Promise<Buffer>;
  /**
   * Waits for the end, whichever way it comes; as undici's `dump()` (for a redirect's
   * body), a body declared or grown over 128 KiB is cut rather than read on.
   */
  dump(): Promise<void>;
}

/** The response of {@link bufferWithDeadline}: undici's, with the body read whole. */
export interface BufferedResponse extends Pick<TransportResponse, 'statusCode' | 'statusText' | 'headers'> {
  readonly buffered: true;
  readonly body: BufferedBody;
}

/** Tells a response read whole from one with undici's stream body. */
export function isBuffered(response: TransportResponse | BufferedResponse): response is BufferedResponse {
  return (response as Partial<BufferedResponse>).buffered === true;
}

/** Tells the stream body of a response from one read whole (undefined). */
export function streamOf(
  response: TransportResponse | BufferedResponse | undefined,
): TransportResponse['body'] | undefined {
  return response === undefined || isBuffered(response) ? undefined : response.body;
}

/** What an abort signal in its EventEmitter form says. */
interface AbortState {
  readonly aborted: boolean;
  readonly reason: unknown;
}

const EMPTY = Buffer.alloc(0);

/** What `dump()` reads before it cuts a body: undici's own `dump()` limit. */
const DUMP_BYTES = 128 * 1024;

// The body's progress: no final headers yet; receiving the body; ended (complete, cut or overflowed).
const AWAITING = 0;
const RECEIVING = 1;
const ENDED = 2;

/**
 * A request handler that reads the body into memory as it arrives, for `json()`: what
 * undici's `RequestHandler` does, without the Node stream its body becomes (the stream's
 * construction, buffering and reading cost about as much as the rest of a request).
 * It keeps the attempt deadline on the shared sweep the way `sendWithDeadline` does,
 * and answers undici's abort signal the way undici's handler does. The handler is the
 * response's body, and the sweep's entry: one object per attempt.
 */
class BufferingHandler implements Deadline, BufferedBody {
  expiresAt: number;
  sweepSlot = -1;
  overflowed = false;
  private state = AWAITING;
  private abort: ((reason: Error) => void) | null = null;
  /** An abort asked for before the request reached a socket. */
  private reason: Error | null = null;
  private answer: ((response: BufferedResponse) => void) | null;
  private refuse: ((error: Error) => void) | null;
  private chunks: Buffer[] = [];
  private size = 0;
  private limit = 0;
  private declaredLength = Number.NaN;
  private failure: Error | null = null;
  private waiting: { resolve: (bytes: Buffer) => void; reject: (error: Error) => void; whole: boolean }[] | null = null;
  private removeAbortListener: (() => void) | null = null;
  private requestBody: unknown;

  constructor(
    options: Dispatcher.RequestOptions,
    answer: (response: BufferedResponse) => void,
    refuse: (error: Error) => void,
    private readonly limits: BodyLimits,
    private readonly timeoutMs: number,
    private readonly sweep: DeadlineSweep,
  ) {
    this.answer = answer;
    this.refuse = refuse;
    this.requestBody = options.body;
    // An AbortSignal, or the EventEmitter form undici accepts as well.
    const signal = options.signal as (AbortSignal | (NodeJS.EventEmitter & AbortState)) | null | undefined;
    if (signal?.aborted === true) this.reason = (signal.reason as Error) ?? new (undiciErrors().RequestAbortedError)();
    else if (signal !== undefined && signal !== null)
      this.removeAbortListener = undiciUtil().addAbortListener(signal, () => this.aborted(signal.reason));
    this.expiresAt = sweep.now() + timeoutMs;
    if (timeoutMs > 0) sweep.arm(this);
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.reason !== null) abort(this.reason);
    else this.abort = abort;
  }

  // A request body still uploading is progress, not a stall (as in sendWithDeadline).
  onBodySent(): void {
    this.expiresAt = this.sweep.now() + this.timeoutMs;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    // A 1xx: the final headers are still awaited.
    if (statusCode < 200 || this.answer === null) return true;
    const headers = undiciUtil().parseHeaders(rawHeaders);
    this.state = RECEIVING;
    this.limit = statusCode < 400 ? this.limits.success : this.limits.other;
    this.declaredLength = Number(headers['content-length']);
    this.expiresAt = this.sweep.now() + this.timeoutMs;
    const { answer } = this;
    this.answer = this.refuse = null;
    answer({ statusCode, statusText, headers, buffered: true, body: this });
    // A body to parse declared too large is not read at all (a failure's beginning is kept).
    if (statusCode < 400 && this.declaredLength > this.limit) this.overflow();
    return true;
  }

  onData(chunk: Buffer): boolean {
    // A number write, armed or not: cheaper than asking.
    this.expiresAt = this.sweep.now() + this.timeoutMs;
    if (this.state !== RECEIVING) return true;
    const room = this.limit - this.size;
    if (chunk.byteLength > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.limit;
      this.overflow();
      return true;
    }
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    return true;
  }

  onComplete(): void {
    this.end(null);
  }

  onError(error: Error): void {
    if (this.answer !== null) {
      const { refuse } = this;
      this.answer = this.refuse = null;
      this.end(null);
      refuse!(error);
    } else this.end(error);
    const body = this.requestBody;
    this.requestBody = undefined;
    if (body !== undefined && body !== null && undiciUtil().isStream(body)) {
      (body as NodeJS.EventEmitter).on('error', noop);
      undiciUtil().destroy(body, error);
    }
  }

  bytes(): Promise<Buffer> {
    return this.settled(true);
  }

  received(): Promise<Buffer> {
    return this.settled(false);
  }

  dump(): Promise<void> {
    if (this.state === RECEIVING) {
      if (this.declaredLength > DUMP_BYTES || this.size >= DUMP_BYTES) this.overflow();
      else this.limit = Math.min(this.limit, DUMP_BYTES);
    }
    return this.settled(false).then(noop);
  }

  expire(): void {
    if (this.state === RECEIVING) {
      const error = attemptTimeoutError('body', this.timeoutMs);
      this.end(error);
      this.abort?.(error);
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
    this.onError(error);
  }

  /** The abort signal fired: as undici's handler does, the body or the request ends with its reason. */
  private aborted(reason: unknown): void {
    const error = (reason as Error | undefined) ?? new (undiciErrors().RequestAbortedError)();
    this.reason = error;
    if (this.state === RECEIVING) {
      this.end(error);
      this.abort?.(error);
    } else if (this.abort !== null) this.abort(error);
  }

  /** Stops keeping the body and lets the connection go: the rest is not read. */
  private overflow(): void {
    this.overflowed = true;
    this.end(null);
    // Not from inside undici's parser callback: the connection is destroyed once it has returned.
    queueMicrotask(() => this.abort?.(new (undiciErrors().RequestAbortedError)()));
  }

  private end(failure: Error | null): void {
    if (this.state === ENDED) return;
    this.state = ENDED;
    this.failure = failure;
    this.sweep.disarm(this);
    this.removeAbortListener?.();
    this.removeAbortListener = null;
    const { waiting } = this;
    this.waiting = null;
    if (waiting !== null) for (const waiter of waiting) this.settle(waiter.resolve, waiter.reject, waiter.whole);
  }

  private settled(whole: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.state === ENDED) this.settle(resolve, reject, whole);
      else (this.waiting ??= []).push({ resolve, reject, whole });
    });
  }

  private settle(resolve: (bytes: Buffer) => void, reject: (error: Error) => void, whole: boolean): void {
    if (whole && this.failure !== null) reject(this.failure);
    else {
      const { chunks } = this;
      resolve(chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size));
    }
  }
}

/**
 * Sends a request through `dispatcher` and reads its body whole, with the exact attempt
 * deadline of {@link sendWithDeadline} (`timeoutMs` 0: none). Resolves once the final
 * headers are in (what fails after that fails in the body phase): the body's
 * `bytes()` resolves when its last byte has arrived, or once it outgrew `limits` (the
 * connection is then closed, as undici's `body.destroy()` does).
 */
export function bufferWithDeadline(
  dispatcher: Pick<Dispatcher, 'dispatch'>,
  options: Dispatcher.RequestOptions,
  timeoutMs: number,
  limits: BodyLimits,
  sweep: DeadlineSweep = deadlineSweep,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    let handler: BufferingHandler | undefined;
    try {
      handler = new BufferingHandler(options, resolve, reject, limits, timeoutMs, sweep);
      dispatcher.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      // undici's dispatchers report their errors through onError; another may throw instead.
      if (handler !== undefined) handler.onError(error as Error);
      else reject(error as Error);
    }
  });
}
