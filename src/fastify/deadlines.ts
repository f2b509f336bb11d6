import type { FastifyPluginCallback } from 'fastify';
import { runWithCallerDeadline } from '../core/callerDeadline.js';
import { callerGone } from '../service/callerGone.js';
import type { DeadlineOptions } from '../service/DeadlineOptions.js';
import { incomingDeadline, planDeadlines } from '../service/incomingDeadline.js';
import { rootPlugin } from './rootPlugin.js';

/**
 * Fastify 5 plugin giving each request a deadline — the caller's budget from a header, or
 * `defaultMs` — that every faultline call made while handling it honours: each takes
 * `min(own timeout, what is left)`, and one cut short by the caller's budget fails as a
 * `timeout` in phase `total` with `deadlineSource: 'caller'`. Calls are also cancelled when
 * the caller goes away.
 *
 * @example
 * ```ts
 * await app.register(deadlines, { header: 'grpc-timeout', defaultMs: 10_000 });
 * ```
 */
export const deadlines: FastifyPluginCallback<DeadlineOptions> = rootPlugin(
  'faultline-deadlines',
  (app, options, done) => {
    const plan = planDeadlines(options);
    // The rest of the request's life (body parsing included: a test sends a body in
    // slow halves) runs inside this context.
    app.addHook('onRequest', (request, reply, next) => {
      const deadline = incomingDeadline(
        plan,
        (name) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : value?.[0];
        },
        callerGone(reply.raw),
      );
      runWithCallerDeadline(deadline, next);
    });
    done();
  },
);
