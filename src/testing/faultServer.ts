import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performStep, type Step, type StepContext } from './faultSteps.js';

/** What the fault server saw of one request: for counting, and for checking what was sent (redaction). */
export interface SeenRequest {
  readonly method: string;
  /** The path with its query, as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers a request by hand, for what a script cannot say (e.g. 401 unless a token is fresh). */
export type RouteHandler = (request: SeenRequest, response: ServerResponse) => void;

/**
 * How one route answers: a single step for every request, a sequence (the n-th request gets
 * the n-th step, the last one repeats), `{ cycle }` (the steps round and round), or a handler.
 */
export type Route = Step | readonly Step[] | { readonly cycle: readonly Step[] } | RouteHandler;

/** A real HTTP server on 127.0.0.1 (port 0) that answers each route by its script. */
export interface FaultServer {
  /** `http://127.0.0.1:PORT`, the `baseUrl` for a client under test. */
  readonly url: string;
  readonly port: number;
  /** Requests seen on a path (query excluded), in order, since its route was last set. */
  seen(path: string): SeenRequest[];
  /** How many requests a path has seen since its route was last set. */
  hits(path: string): number;
  /** Sets how `path` answers (see {@link Route}), and forgets what it saw. */
  route(path: string, route: Route): void;
  /** Answers the n-th request on `path` with steps[n] (the last step repeats); `prefix/*` matches a subtree. */
  script(path: string, ...steps: Step[]): void;
  /** Answers the requests on `path` with the steps in turn, round and round. */
  cycle(path: string, ...steps: Step[]): void;
  /** Answers `path` by a function instead of a script. */
  handle(path: string, handler: RouteHandler): void;
  /** Ends every open connection and pending timer, then stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a scripted upstream on 127.0.0.1 with a free port: each route answers by a sequence
 * of statuses and faults, so a test can stage what production upstreams do. Paths without a
 * route answer 200 `{"ok":true}`, and `/status/N` answers N. A route keyed `prefix/*`
 * answers every path under the prefix.
 *
 * @example
 * ```ts
 * import { startFaultServer } from 'faultline/testing';
 *
 * const upstream = await startFaultServer({
 *   '/v1/charges': [503, 503, { status: 200, json: { id: 42 } }],
 *   '/v1/rates': { status: 429, headers: { 'retry-after': '2' } },
 *   '/v1/reports': 'hang',
 *   '/v1/export': ['reset-after-headers', 200],
 * });
 * const payments = createClient({ name: 'payments', baseUrl: upstream.url });
 * await payments.json('/v1/charges');
 * assert.equal(upstream.hits('/v1/charges'), 3);
 * await upstream.close();
 * ```
 */
export async function startFaultServer(routes: Readonly<Record<string, Route>> = {}): Promise<FaultServer> {
  const scripts = new Map<string, readonly Step[]>();
  const cycles = new Map<string, readonly Step[]>();
  const handlers = new Map<string, RouteHandler>();
  const seenByPath = new Map<string, SeenRequest[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const ctx: StepContext = {
    later(fn, ms) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    },
  };

  // A script keyed 'prefix/*' answers every path under the prefix.
  const scriptFor = (path: string): readonly Step[] | undefined => {
    for (const [key, steps] of scripts) if (key.endsWith('/*') && path.startsWith(key.slice(0, -1))) return steps;
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const list = seenByPath.get(path) ?? [];
      list.push(seen);
      seenByPath.set(path, list);
      const handler = handlers.get(path);
      if (handler !== undefined) {
        handler(seen, res);
        return;
      }
      const cycled = cycles.get(path);
      if (cycled !== undefined && cycled.length > 0) {
        performStep(cycled[(list.length - 1) % cycled.length]!, res, req.socket, ctx);
        return;
      }
      const steps = scripts.get(path) ?? scriptFor(path);
      if (steps === undefined || steps.length === 0) {
        const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
        performStep(
          { status: status === undefined ? 200 : Number(status), body: status === undefined ? '{"ok":true}' : '' },
          res,
          req.socket,
          ctx,
        );
        return;
      }
      performStep(steps[Math.min(list.length - 1, steps.length - 1)]!, res, req.socket, ctx);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const setRoute = (path: string, route: Route): void => {
    scripts.delete(path);
    cycles.delete(path);
    handlers.delete(path);
    seenByPath.delete(path);
    if (typeof route === 'function') handlers.set(path, route);
    else if (Array.isArray(route)) scripts.set(path, route as readonly Step[]);
    else if (typeof route === 'object' && 'cycle' in route) cycles.set(path, route.cycle);
    else scripts.set(path, [route as Step]);
  };
  for (const [path, route] of Object.entries(routes)) setRoute(path, route);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: (path) => seenByPath.get(path) ?? [],
    hits: (path) => seenByPath.get(path)?.length ?? 0,
    route: setRoute,
    script: (path, ...steps) => setRoute(path, steps),
    cycle: (path, ...steps) => setRoute(path, { cycle: steps }),
    handle: (path, handler) => setRoute(path, handler),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A port on 127.0.0.1 where nothing listens: a client pointed there fails with
 * `network` / `ECONNREFUSED`.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
