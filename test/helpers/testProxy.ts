// A real HTTP proxy on 127.0.0.1: forwards absolute-form requests (plain HTTP through a
// proxy, as curl sends them) and opens CONNECT tunnels, optionally behind Basic proxy
// credentials, and counts what went through it.
import { createServer, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface TestProxy {
  /** `http://127.0.0.1:PORT` (no credentials). */
  readonly url: string;
  readonly port: number;
  /** Requests forwarded, as the absolute URLs the client sent. */
  readonly forwarded: string[];
  /** CONNECT tunnels opened, as `host:port`. */
  readonly tunnels: string[];
  /** Requests and CONNECTs refused with 407. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Starts the proxy; with `credentials` ('user:password') it answers 407 to anyone without them. */
export async function startTestProxy(options: { credentials?: string } = {}): Promise<TestProxy> {
  const expected =
    options.credentials === undefined ? undefined : `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const sockets = new Set<Socket>();
  const state = { forwarded: [] as string[], tunnels: [] as string[], refused: 0 };
  const allowed = (headers: IncomingHttpHeaders): boolean =>
    expected === undefined || headers['proxy-authorization'] === expected;

  const server = createServer((req, res) => {
    if (!allowed(req.headers)) {
      state.refused++;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"', 'content-length': '0' }).end();
      return;
    }
    const target = req.url ?? '';
    state.forwarded.push(target);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502, { 'content-length': '0' }).end());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    if (!allowed(req.headers)) {
      state.refused++;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    state.tunnels.push(req.url ?? '');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    forwarded: state.forwarded,
    tunnels: state.tunnels,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
