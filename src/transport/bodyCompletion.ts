import type { Readable } from 'node:stream';

const COMPLETE = Symbol('faultline.bodyComplete');

/** A response body that may carry its completion: `true` once complete, or who waits for it. */
type Marked = Readable & { [COMPLETE]?: true | (() => void) };

/**
 * Marks a response body complete: its last byte has arrived from the upstream, whether or
 * not anyone has read it yet (Node's streams say 'end' only once the reader gets there).
 */
export function markComplete(body: Readable): void {
  const marked = body as Marked;
  const waiting = marked[COMPLETE];
  marked[COMPLETE] = true;
  if (typeof waiting === 'function') waiting();
}

/**
 * Calls `fn` once `body` is complete (at once if it already is). Only bodies sent through
 * faultline's own request handler are ever marked; others complete when read to the end.
 */
export function whenComplete(body: Readable, fn: () => void): void {
  const marked = body as Marked;
  if (marked[COMPLETE] === true) fn();
  else marked[COMPLETE] = fn;
}
