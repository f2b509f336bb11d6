import type { FastifyPluginCallback } from 'fastify';
import { answerSafely, pathOf } from '../service/answerProblem.js';
import type { ProblemOptions } from '../service/ProblemOptions.js';
import { tellAnswer } from '../service/tellAnswer.js';
import { rootPlugin } from './rootPlugin.js';

/**
 * Fastify 5 plugin answering errors that escape a handler with RFC 9457
 * `application/problem+json`: an upstream failure by its kind (timeout → 504, throttled →
 * 503 with Retry-After, circuit_open → 503, the rest → 502; a caller that went away gets no
 * body), the app's own error classes as it maps them, Fastify's own 4xx (validation) as
 * they are, anything else as a bare 500. It sets the app's error handler.
 *
 * @example
 * ```ts
 * import { deadlines, problemResponses } from 'faultline/fastify';
 *
 * await app.register(deadlines, { defaultMs: 5_000 });
 * await app.register(problemResponses, { errors: [[OrderNotFound, { status: 404 }]] });
 * ```
 */
export const problemResponses: FastifyPluginCallback<ProblemOptions> = rootPlugin(
  'faultline-problem-responses',
  (app, options, done) => {
    app.setErrorHandler((error, request, reply) => {
      const { url } = request.raw;
      const answer = answerSafely(error, { url: url ?? '/', accept: request.headers.accept }, options);
      tellAnswer(answer, error, pathOf(url ?? '/'), options);
      void reply.code(answer.status).headers(answer.headers);
      return answer.body === undefined ? reply.send() : reply.send(answer.body);
    });
    done();
  },
);
