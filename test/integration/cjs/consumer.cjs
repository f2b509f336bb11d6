// A CommonJS application using faultline through require() (Node's require(esm)).
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const faultline = require('faultline');
const { classify } = require('faultline/classification');

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/down' ? 503 : 200, { 'content-type': 'application/json' });
  res.end(req.url === '/down' ? '' : '{"from":"cjs"}');
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const client = faultline.createClient({
    baseUrl: `http://127.0.0.1:${port}`,
    resilience: [],
    telemetry: { enabled: false },
    env: {},
  });
  assert.deepEqual(await client.json('/ok'), { from: 'cjs' });
  const error = await client.get('/down').catch((e) => e);
  assert.ok(faultline.isRequestFailure(error));
  assert.ok(error instanceof faultline.ServerError);
  assert.equal(classify({ status: 429 }).kind, 'throttled');
  assert.equal(faultline.retry().name, 'retry');
  console.log(`cjs ok: ${Object.keys(faultline).length} exports, ${error.name} ${error.code}`);
  await client.close();
  server.close();
});
