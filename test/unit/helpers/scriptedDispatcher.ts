import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Dispatcher } from 'undici';
import { DeadlineSweep } from '../../../src/transport/deadlineSweep.js';

/** The legacy handler surface undici's dispatchers drive (what a real Client calls, in order). */
export interface DrivenHandler {
  onConnect(abort: (reason: Error) => void, context: unknown): void;
  onBodySent?(chunk: unknown): void;
  onRequestSent?(): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): unknown;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[]): void;
  onError(error: Error): void;
}

/**
 * A dispatcher played by the test: it keeps the handler undici would drive, and its
 * `abort` fails the request as undici's Client does (onError, at once).
 */
export function scriptedDispatcher(): Pick<Dispatcher, 'dispatch'> & {
  handler(): DrivenHandler;
  aborts: Error[];
  connect(): void;
} {
  let handler: DrivenHandler | undefined;
  const aborts: Error[] = [];
  return {
    aborts,
    dispatch(_options, h) {
      handler = h as unknown as DrivenHandler;
      return true;
    },
    handler() {
      assert.ok(handler !== undefined, 'dispatched');
      return handler;
    },
    connect() {
      this.handler().onConnect((reason) => {
        aborts.push(reason);
        this.handler().onError(reason);
      }, null);
    },
  };
}

/**
 * Advances the fake time a millisecond at a time: node:test's tick(n) runs every due
 * callback with Date already at the end of the n ms, which would blur when a sweep ran.
 */
function stepBy1ms(t: TestContext, ms: number): void {
  for (let i = 0; i < ms; i++) t.mock.timers.tick(1);
}

/** A sweep on node:test's fake interval and Date, every 10 ms from t = 0. */
export function fakeSweep(t: TestContext): { sweep: DeadlineSweep; tick(ms: number): void } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  return { sweep: new DeadlineSweep({ now: () => Date.now(), intervalMs: 10 }), tick: (ms) => stepBy1ms(t, ms) };
}

export const OPTIONS: Dispatcher.RequestOptions = { origin: 'http://127.0.0.1:1', path: '/', method: 'GET' };
export const HEADERS = [Buffer.from('content-type'), Buffer.from('text/plain')];

/** The settled state of a promise, read after pending microtasks ran. */
export async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let state: { value?: T; error?: unknown } | 'pending' = 'pending';
  promise.then(
    (value) => (state = { value }),
    (error: unknown) => (state = { error }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}
