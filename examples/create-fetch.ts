// createFetch(): hand faultline to any library that takes a `fetch` option.
//
// Shows: a fetch with fetch's exact semantics (it resolves on 4xx/5xx, rejects with
// TypeError('fetch failed') on network errors) given to ky, whose own retries are turned
// off so faultline's retry and signals are the only ones.
//
// Run: npm run build && node dist/examples/create-fetch.js
import ky from 'ky';
import { createFetch } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

const upstream = await startFaultServer();
upstream.script('/v1/users/7', { status: 502 }, { status: 200, body: '{"id":7,"name":"Ada"}' });

const api = ky.create({
  prefixUrl: upstream.url,
  retry: 0,
  fetch: createFetch({ name: 'users', telemetry: { enabled: false } }),
});

const user = await api.get('v1/users/7').json<{ name: string }>();
console.log(
  `ky + createFetch: ${user.name}, after ${upstream.hits('/v1/users/7')} attempts (faultline retried the 502)`,
);
await upstream.close();
