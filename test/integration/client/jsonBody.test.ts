import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createClient, throttle, type ClientOptions } from '../../../src/index.js';
import { failureOf } from '../../helpers/failureOf.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MIB = 1024 * 1024;

/** json() reads its body whole in the handler (no stream): what the caller sees must not change. */
describe('json() reads the body whole, against a real server', () => {
  let server: Server;
  let baseUrl: string;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/bom': (_req, res) => res.end(Buffer.concat([BOM, Buffer.from('{"bom":true}')])),
    '/bom-chunked': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(BOM);
      res.end('{"chunked":true}');
    },
    '/declared-large': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2048) });
      res.write('[');
    },
    '/ok': (_req, res) => res.end('{"ok":true}'),
    '/large-failure': (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(Buffer.alloc(2 * MIB, 120));
    },
    '/hop': (_req, res) => res.writeHead(302, { location: '/hop2' }).end('moved'),
    '/hop2': (_req, res) => res.writeHead(307, { location: '/ok' }).end(),
  };
  before(async () => {
    server = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (route === undefined) res.writeHead(404).end();
      else route(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const client = (options: Partial<ClientOptions> = {}) =>
    createClient({
      name: 'json-body',
      baseUrl,
      env: {},
      telemetry: { enabled: false },
      resilience: [throttle()],
      ...options,
    });

  it('drops a UTF-8 byte order mark before parsing, with or without a declared length', async () => {
    const c = client();
    assert.deepEqual(await c.json('/bom'), { bom: true });
    assert.deepEqual(await c.json('/bom-chunked'), { chunked: true });
    await c.close();
  });

  it('a success declared over maxJsonBytes is BODY_TOO_LARGE without reading it, and the next call still works', async () => {
    const c = client({ transport: { maxJsonBytes: 1024 } });
    const error = await failureOf(() => c.json('/declared-large'));
    assert.equal(`${error.kind}/${error.code}`, 'invalid_response/BODY_TOO_LARGE');
    assert.equal(error.status, 200);
    assert.deepEqual(await c.json('/ok'), { ok: true });
    await c.close();
  });

  it("a failure's body is kept up to 1 MiB for the error's response", async () => {
    const c = client();
    const error = await failureOf(() => c.json('/large-failure'));
    assert.equal(`${error.kind}/${error.status}`, 'server/503');
    const kept = await error.response!.arrayBuffer();
    assert.equal(kept.byteLength, MIB);
    assert.deepEqual(await c.json('/ok'), { ok: true });
    await c.close();
  });

  it('follows redirects hop by hop and parses the last answer', async () => {
    const c = client();
    assert.deepEqual(await c.json('/hop'), { ok: true });
    await c.close();
  });

  it("through the app's own undici dispatcher as through faultline's pool", async () => {
    const dispatcher = new Agent();
    const c = client({ transport: { dispatcher } });
    assert.deepEqual(await c.json('/bom'), { bom: true });
    const error = await failureOf(() => c.json('/large-failure'));
    assert.equal((await error.response!.arrayBuffer()).byteLength, MIB);
    await c.close();
    await dispatcher.close();
  });
});
