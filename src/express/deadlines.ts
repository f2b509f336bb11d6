import type { RequestHandler } from 'express';
import { runWithCallerDeadline } from '../core/callerDeadline.js';
import { callerGone } from '../service/callerGone.js';
import type { DeadlineOptions } from '../service/DeadlineOptions.js';
import { incomingDeadline, planDeadlines } from '../service/incomingDeadline.js';

/**
 * Express 5 middleware giving each request a deadline — the caller's budget from a header,
 * or `defaultMs` — that every faultline call made while handling it honours: each takes
 * `min(own timeout, what is left)`, and one cut short by the caller's budget fails as a
 * `timeout` in phase `total` with `deadlineSource: 'caller'`. Calls are also cancelled when
 * the caller goes away. Register it before the routes.
 *
 * @example
 * ```ts
 * app.use(deadlines({ header: 'x-envoy-expected-rq-timeout-ms', defaultMs: 10_000 }));
 * ```
 */
export function deadlines(options?: DeadlineOptions): RequestHandler {
  const plan = planDeadlines(options);
  return (request, response, next) => {
    const deadline = incomingDeadline(plan, (name) => first(request.headers[name]), callerGone(response));
    runWithCallerDeadline(deadline, next);
  };
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
