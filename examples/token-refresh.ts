// Bearer tokens that expire: bearerToken() refreshes once for all concurrent 401s.
//
// Shows: getToken() for the first token, refresh() called once when the upstream starts
// refusing it, every request replayed at most once with the fresh token.
//
// Run: npm run build && node dist/examples/token-refresh.js
import { bearerToken, createClient } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

const upstream = await startFaultServer();
let validToken = 'token-1';
upstream.handle('/v1/orders', (request, response) => {
  const ok = request.headers.authorization === `Bearer ${validToken}`;
  response.writeHead(
    ok ? 200 : 401,
    ok ? { 'content-type': 'application/json' } : { 'www-authenticate': 'Bearer error="invalid_token"' },
  );
  response.end(ok ? '{"orders":[]}' : '');
});

let refreshes = 0;
const orders = createClient({
  name: 'orders',
  baseUrl: upstream.url,
  telemetry: { enabled: false },
  auth: bearerToken({
    getToken: () => 'token-1',
    // Typically an OAuth client-credentials call; concurrent 401s share this one call.
    refresh: async () => {
      refreshes++;
      return 'token-2';
    },
  }),
});

await orders.json('/v1/orders');
validToken = 'token-2'; // the upstream rotates its key: token-1 is now refused
const results = await Promise.all(Array.from({ length: 10 }, () => orders.json('/v1/orders')));
console.log(
  `${results.length} requests succeeded after ${refreshes} refresh; the upstream saw ${upstream.hits('/v1/orders')} requests`,
);

await orders.close();
await upstream.close();
