import type { ServerResponse } from 'node:http';

/**
 * An AbortSignal that aborts when the response closes before it was finished: the caller
 * went away, and the calls made for it can stop.
 */
export function callerGone(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished)
      controller.abort(new DOMException('The caller closed the request before it was answered', 'AbortError'));
  });
  return controller.signal;
}
