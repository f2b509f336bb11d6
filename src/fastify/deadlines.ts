import { AsyncResource } from 'node:async_hooks';
import type { FastifyPluginCallback } from 'fastify';
import { runWithCallerDeadline } from '../core/callerDeadline.js';
import { callerGone } from '../service/callerGone.js';
import type { DeadlineOptions } from '../service/DeadlineOptions.js';
import { incomingDeadline, planDeadlines } from '../service/incomingDeadline.js';
import { rootPlugin } from './rootPlugin.js';

const SCOPE = Symbol('faultline.deadlineScope');

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
    app.decorateRequest(SCOPE, null);
    app.addHook('onRequest', (request, reply, next) => {
      const deadline = incomingDeadline(
        plan,
        (name) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : value?.[0];
        },
        callerGone(reply.raw),
      );
      runWithCallerDeadline(deadline, () => {
        (request as unknown as Record<symbol, AsyncResource>)[SCOPE] = new AsyncResource('faultline.deadline');
        next();
      });
    });
    // The body is read in the socket's async context, not the request's: step back into it.
    app.addHook('preValidation', (request, _reply, next) => {
      const scope = (request as unknown as Record<symbol, AsyncResource | null>)[SCOPE];
      if (scope === null || scope === undefined) next();
      else scope.runInAsyncScope(next);
    });
    done();
  },
);
