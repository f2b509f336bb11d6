// classify(): one vocabulary for errors faultline did not make.
//
// Shows: axios errors (a status, a timeout, a refused connection) told as faultline
// failures — kind, stable code, Retry-After — so existing code can log and alert on the
// same keys as faultline's own clients.
//
// Run: npm run build && node dist/examples/classify-axios.js
import axios from 'axios';
import { classify } from '../src/classification/index.js';
import { closedPort, startFaultServer } from '../src/testing/index.js';

const upstream = await startFaultServer();
upstream.script('/slow-down', { status: 429, headers: { 'retry-after': '12' } });
upstream.script('/hang', { fault: 'hang' });
const refused = `http://127.0.0.1:${await closedPort()}/`;

for (const [what, call] of [
  ['429 with Retry-After', () => axios.get(`${upstream.url}/slow-down`)],
  ['a server that hangs', () => axios.get(`${upstream.url}/hang`, { timeout: 100 })],
  ['nobody listening', () => axios.get(refused)],
] as const) {
  try {
    await call();
  } catch (error) {
    const failure = classify(error);
    console.log(
      `${what}: kind=${failure?.kind} code=${failure?.code}${failure?.retryAfterMs === undefined ? '' : ` retryAfterMs=${failure.retryAfterMs}`}`,
    );
  }
}
await upstream.close();
