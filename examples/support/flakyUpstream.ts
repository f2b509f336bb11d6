// A real HTTP server on 127.0.0.1 that answers each path by a script of statuses and
// faults: resets, hangs, stalls mid-body, wrong lengths, trickles, endless bodies. The
// demo's flaky upstream, and the fault server of the test suites.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer of the fault server. */
export type Step =
  | { status: number; headers?: Record<string, string | string[]>; body?: string; delayMs?: number }
  | { fault: 'reset-before-headers' }
  | { fault: 'reset-after-headers' }
  | { fault: 'hang' }
  | { fault: 'stall-mid-body' }
  | { fault: 'wrong-length' }
  | { fault: 'trickle'; intervalMs: number; chunks: number }
  | { fault: 'endless' };

/** What the server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 (port 0) that answers each path by a script. */
export interface FlakyUpstream {
  readonly url: string;
  readonly port: number;
  /** Requests seen on a path (pathname, query excluded), in order. */
  seen(path: string): SeenRequest[];
  /** Number of requests seen on a path. */
  hits(path: string): number;
  /** Answers the n-th request on `path` with steps[n] (the last step repeats); `prefix/*` matches a subtree. */
  script(path: string, ...steps: Step[]): void;
  /** Answers the requests on `path` with the steps in turn, round and round. */
  cycle(path: string, ...steps: Step[]): void;
  /** Answers by a function instead of a script. */
  handle(path: string, handler: (request: SeenRequest, response: ServerResponse) => void): void;
  close(): Promise<void>;
}

/**
 * Starts the fault server. Unknown paths answer 200 `{"ok":true}`; `/status/N` answers N;
 * everything else follows the path's script.
 */
export async function startFlakyUpstream(): Promise<FlakyUpstream> {
  const scripts = new Map<string, Step[]>();
  const cycles = new Map<string, Step[]>();
  const handlers = new Map<string, (request: SeenRequest, response: ServerResponse) => void>();
  const seenByPath = new Map<string, SeenRequest[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

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
      if (cycled !== undefined) {
        perform(cycled[(list.length - 1) % cycled.length]!, res, req.socket);
        return;
      }
      const steps = scripts.get(path) ?? scriptFor(path);
      if (steps === undefined) {
        const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
        return answer(res, {
          status: status === undefined ? 200 : Number(status),
          body: status === undefined ? '{"ok":true}' : '',
        });
      }
      const step = steps[Math.min(list.length - 1, steps.length - 1)]!;
      perform(step, res, req.socket);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  // A script keyed 'prefix/*' answers every path under the prefix.
  const scriptFor = (path: string): Step[] | undefined => {
    for (const [key, steps] of scripts) if (key.endsWith('/*') && path.startsWith(key.slice(0, -1))) return steps;
    return undefined;
  };

  const later = (fn: () => void, ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const answer = (
    res: ServerResponse,
    step: {
      status: number;
      headers?: Record<string, string | string[]>;
      body?: string;
      delayMs?: number;
    },
  ): void => {
    const send = (): void => {
      const body = step.body ?? '';
      res.writeHead(step.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...step.headers,
      });
      res.end(body);
    };
    if (step.delayMs === undefined) send();
    else later(send, step.delayMs);
  };

  const perform = (step: Step, res: ServerResponse, socket: Socket): void => {
    if ('status' in step) {
      answer(res, step);
      return;
    }
    switch (step.fault) {
      case 'reset-before-headers':
        socket.resetAndDestroy();
        return;
      case 'reset-after-headers':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.flushHeaders();
        res.write('{"partial":');
        later(() => socket.resetAndDestroy(), 5);
        return;
      case 'hang':
        return;
      case 'stall-mid-body':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        return;
      case 'wrong-length':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"short":true}');
        later(() => socket.end(), 5);
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        let sent = 0;
        const tick = (): void => {
          if (res.destroyed) return;
          if (sent++ < step.chunks) {
            res.write(sent === 1 ? '0' : ',0');
            later(tick, step.intervalMs);
          } else res.end(']');
        };
        later(tick, step.intervalMs);
        return;
      }
      case 'endless': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const pump = (): void => {
          while (!res.destroyed && res.write(Buffer.alloc(16_384, 97)));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
    }
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen: (path) => seenByPath.get(path) ?? [],
    hits: (path) => seenByPath.get(path)?.length ?? 0,
    script(path, ...steps) {
      scripts.set(path, steps);
      seenByPath.delete(path);
    },
    cycle(path, ...steps) {
      cycles.set(path, steps);
      seenByPath.delete(path);
    },
    handle(path, handler) {
      handlers.set(path, handler);
      seenByPath.delete(path);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
