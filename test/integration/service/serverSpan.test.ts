// Finding 12 of issue 22: problemResponses tells the answer's status and the failure's kind
// on the request's SERVER span, not on whatever span is active in the error handler.
//
// @opentelemetry/instrumentation-http and the Express/Fastify instrumentations are not
// installed here, so two stand-ins do what they do: the HTTP one runs each request inside a
// SERVER span and leaves that span in the context as RPC metadata (setRPCMetadata from
// @opentelemetry/core, as instrumentation-http does); the framework one makes the error
// handler run inside a span of its own (as instrumentation-express does for each layer).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import Fastify from 'fastify';
import { problemResponses as expressProblems } from 'faultline/express';
import { problemResponses as fastifyProblems } from 'faultline/fastify';
import { type FaultServer, startFaultServer } from '../../../src/testing/index.js';
import { type Client, createClient } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

const tracer = () => trace.getTracer('stand-in-instrumentation');

/** What instrumentation-http does with each incoming request. */
function instrumented(handler: http.RequestListener): http.RequestListener {
  return (request, response) => {
    const span = tracer().startSpan(`${request.method}`, { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const active = setRPCMetadata(trace.setSpan(ROOT_CONTEXT, span), { type: RPCType.HTTP, span });
    response.once('close', () => span.end());
    context.with(active, () => handler(request, response));
  };
}

interface App {
  readonly url: string;
  close(): Promise<void>;
}

async function startExpress(client: Client): Promise<App> {
  const app = express();
  app.get('/orders', async (_request, response) => {
    response.json(await client.json('/orders'));
  });
  // What instrumentation-express does: each middleware runs inside a span of its own.
  app.use((error: unknown, _request: express.Request, _response: express.Response, next: express.NextFunction) => {
    const span = tracer().startSpan('middleware - problemResponses', { kind: SpanKind.INTERNAL });
    context.with(trace.setSpan(context.active(), span), () => next(error));
    span.end();
  });
  app.use(expressProblems());
  const server = http.createServer(instrumented(app));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startFastify(client: Client): Promise<App> {
  const app = Fastify({
    forceCloseConnections: true,
    serverFactory: (handler) => http.createServer(instrumented(handler)),
  });
  // What a Fastify instrumentation does: the request's hooks and handlers run inside its span.
  app.addHook('onRequest', (_request, reply, done) => {
    const span = tracer().startSpan('request handler - fastify', { kind: SpanKind.INTERNAL });
    reply.raw.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), done);
  });
  await app.register(fastifyProblems, {});
  app.get('/orders', async () => client.json('/orders'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

for (const [framework, start] of [
  ['Express 5', startExpress],
  ['Fastify 5', startFastify],
] as const) {
  describe(`${framework}: problemResponses under an HTTP server instrumentation`, () => {
    let upstream: FaultServer;
    let otel: OtelHarness;
    let app: App;
    before(async () => {
      upstream = await startFaultServer();
      otel = startOtel();
      const client = createClient({
        name: 'orders',
        baseUrl: upstream.url,
        env: {},
        logger: captureLogs('error').logger,
        report: false,
        retry: { nextDelay: () => null },
      });
      app = await start(client);
    });
    after(async () => {
      await app.close();
      await otel.shutdown();
      await upstream.close();
    });
    beforeEach(() => otel.reset());

    it('sets the status and faultline.failure.kind on the SERVER span, not on the active inner span', async () => {
      upstream.script('/orders', { status: 503 });
      const response = await fetch(`${app.url}/orders`);
      assert.equal(response.status, 502);
      await response.arrayBuffer();
      // The SERVER span ends when the response closes: wait for it, not for the clock.
      let server: ReadableSpan | undefined;
      for (let turns = 0; server === undefined && turns < 1000; turns++) {
        server = otel.finishedSpans().find((span) => span.kind === SpanKind.SERVER);
        if (server === undefined) await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(server, 'the SERVER span ended');
      assert.equal(server.attributes['faultline.failure.kind'], 'server');
      assert.equal(server.attributes['http.response.status_code'], 502);
      const inner = otel.finishedSpans().filter((span) => span.kind === SpanKind.INTERNAL);
      assert.ok(inner.length > 0, 'the stand-in framework span exists');
      for (const span of inner) assert.equal(span.attributes['faultline.failure.kind'], undefined, span.name);
    });
  });
}
