import type { ErrorRequestHandler } from 'express';
import { answerSafely, pathOf } from '../service/answerProblem.js';
import type { ProblemOptions } from '../service/ProblemOptions.js';
import { tellAnswer } from '../service/tellAnswer.js';

/**
 * Express 5 error middleware answering errors that escape a handler with RFC 9457
 * `application/problem+json`: an upstream failure by its kind (timeout → 504, throttled →
 * 503 with Retry-After, circuit_open → 503, the rest → 502; a caller that went away gets no
 * body), the app's own error classes as it maps them, anything else as a bare 500. The
 * upstream's body and challenge never reach the caller. Register it after the routes.
 *
 * @example
 * ```ts
 * import { deadlines, problemResponses } from 'faultline/express';
 *
 * app.use(deadlines({ defaultMs: 5_000 }));
 * app.get('/orders/:id', async (req, res) => res.json(await orders.json(`/v1/orders/${req.params.id}`)));
 * app.use(problemResponses({ errors: [[OrderNotFound, { status: 404 }]] }));
 * ```
 */
export function problemResponses(options: ProblemOptions = {}): ErrorRequestHandler {
  return (error, request, response, next) => {
    // Too late to choose a status: Express's own handler closes the connection.
    if (response.headersSent) {
      next(error);
      return;
    }
    const url = request.originalUrl;
    const answer = answerSafely(error, { url, accept: request.get('accept') }, options);
    tellAnswer(answer, error, pathOf(url), options);
    response.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
    if (answer.body === undefined) response.end();
    else response.end(answer.body);
  };
}
