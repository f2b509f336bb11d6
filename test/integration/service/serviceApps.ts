// The same small service on Express 5 and on Fastify 5, both with faultline's service
// side, so one suite proves both adapters: GET /call/<path> calls the upstream's /<path>
// through a faultline client; GET /own/<name> throws one of the app's own errors.
import type { AddressInfo } from 'node:net';
import { context, SpanKind, trace } from '@opentelemetry/api';
import express from 'express';
import Fastify from 'fastify';
import { deadlines as expressDeadlines, problemResponses as expressProblems } from 'faultline/express';
import { deadlines as fastifyDeadlines, problemResponses as fastifyProblems } from 'faultline/fastify';
import type { DeadlineOptions, ProblemOptions } from 'faultline/express';
import type { Client, RequestOptions } from '../../../src/index.js';

export class OrderNotFound extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found (db 10.0.0.7, token=${orderId})`);
  }
}
export class NotLoggedIn extends Error {}

/** The app's own error map, as a user would write it. */
export const APP_ERRORS: ProblemOptions['errors'] = [
  [
    OrderNotFound,
    (e) => ({ status: 404, title: 'No such order', detail: `Order ${(e as OrderNotFound).orderId} does not exist.` }),
  ],
  [NotLoggedIn, { status: 401 }],
];

export interface ServiceSetup {
  readonly client: Client;
  /** Per-call options of the /call route (e.g. a resilience list of its own). */
  readonly callOptions?: (path: string) => RequestOptions;
  readonly problems?: ProblemOptions;
  readonly deadlines?: DeadlineOptions;
  /** Every error the routes threw, for assertions on what the handler saw. */
  readonly thrown?: unknown[];
}

export interface ServiceApp {
  readonly url: string;
  close(): Promise<void>;
}

export type StartService = (setup: ServiceSetup) => Promise<ServiceApp>;

async function route(setup: ServiceSetup, path: string): Promise<unknown> {
  try {
    if (path.startsWith('/own/')) {
      const name = path.slice('/own/'.length);
      throw name === 'login' ? new NotLoggedIn('no session cookie') : new OrderNotFound(name);
    }
    const upstreamPath = path.slice('/call'.length);
    return await setup.client.json(upstreamPath, setup.callOptions?.(upstreamPath) ?? {});
  } catch (error) {
    setup.thrown?.push(error);
    throw error;
  }
}

const tracer = () => trace.getTracer('test-server');

export const startExpress: StartService = async (setup) => {
  const app = express();
  // What an HTTP server instrumentation does: the request runs inside a SERVER span.
  app.use((request, response, next) => {
    tracer().startActiveSpan(`${request.method} ${request.path}`, { kind: SpanKind.SERVER }, (span) => {
      response.once('close', () => span.end());
      next();
    });
  });
  app.use(expressDeadlines(setup.deadlines));
  app.use(express.json({ limit: '1mb' }));
  app.use(async (request, response) => {
    response.json(await route(setup, request.path));
  });
  app.use(expressProblems({ errors: APP_ERRORS, ...setup.problems }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export const startFastify: StartService = async (setup) => {
  const app = Fastify({ forceCloseConnections: true });
  app.addHook('onRequest', (request, reply, done) => {
    const span = tracer().startSpan(`${request.method} ${request.url}`, { kind: SpanKind.SERVER });
    reply.raw.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), done);
  });
  await app.register(fastifyDeadlines, setup.deadlines ?? {});
  await app.register(fastifyProblems, { errors: APP_ERRORS, ...setup.problems });
  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    handler: async (request) => route(setup, request.url.split('?')[0]!),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
};
