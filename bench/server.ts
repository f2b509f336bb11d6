// The benchmark's upstream, run in its own process (and, where taskset exists, on its
// own core) so the clients' CPU is measured alone. Prints its port on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ok = JSON.stringify({ id: 'ch_42', amount: 1234, currency: 'eur', status: 'succeeded' });
const failed = JSON.stringify({ error: 'upstream unavailable' });

const server = createServer((req, res) => {
  const fail = req.url?.startsWith('/fail') === true;
  const body = fail ? failed : ok;
  res.writeHead(fail ? 503 : 200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
