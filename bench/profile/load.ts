// Private profiling load for issue 25 (not part of `npm run bench`): the signals phase's
// set-up (bench/signalContenders.ts) in this process, the bench server in another.
//   node [--cpu-prof] dist/bench/profile/load.js <ok|fail|floor-ok|floor-fail|ab> [requests] [rounds]
// `ok`/`fail` run faultline json() alone (for a profile), `floor-ok`/`floor-fail` the floor
// alone (the same profile of what faultline is measured against); `ab` prints CPU µs/req of
// undici.request, a hand-written floor and faultline json(), interleaved over rounds.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, request } from 'undici';
import { type Contender, expectFailure } from '../contenders.js';
import { measure as measureRun } from '../measure.js';
import { signalContenders } from '../signalContenders.js';

const here = dirname(fileURLToPath(import.meta.url));
const [mode = 'ab', requestsArg = '20000', roundsArg = '5'] = process.argv.slice(2);
const server = spawn(process.execPath, [join(here, '..', 'server.js')]);
const port = await new Promise<number>((resolve) =>
  server.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
);
const baseUrl = `http://127.0.0.1:${port}`;
const { contenders, shutdown } = await signalContenders(baseUrl);
const json = contenders.find((c) => c.name.startsWith('faultline client.json()'))!;

const agent = new Agent();
const undici: Contender = {
  name: 'undici',
  send: async (path) => {
    const { body } = await request(baseUrl + path, { dispatcher: agent });
    await body.json();
  },
  close: () => agent.close(),
};
// The floor of issue 25: a CLIENT span with the stable HTTP attributes, one duration record;
// on failure ERROR status + error.type, a failures counter and a thrown Error.
const tracer = trace.getTracer('floor');
const meter = metrics.getMeter('floor');
const duration = meter.createHistogram('http.client.request.duration', { unit: 's' });
const failures = meter.createCounter('floor.failures');
const floorAgent = new Agent();
const floor: Contender = {
  name: 'floor',
  send: async (path) => {
    const url = baseUrl + path;
    const span = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': port,
        'url.full': url,
      },
    });
    const start = performance.now();
    const { statusCode, body } = await request(url, { dispatcher: floorAgent });
    await body.json();
    span.setAttribute('http.response.status_code', statusCode);
    const attributes: Record<string, string | number> = {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.response.status_code': statusCode,
    };
    if (statusCode >= 400) {
      attributes['error.type'] = String(statusCode);
      span.setAttribute('error.type', String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
      failures.add(1, attributes);
    }
    duration.record((performance.now() - start) / 1000, attributes);
    span.end();
    if (statusCode >= 400)
      throw Object.assign(new Error(`GET ${url} failed with ${statusCode}`), { response: { statusCode } });
  },
  close: () => floorAgent.close(),
};
const floorSafe: Contender = { ...floor, send: (path) => floor.send(path).catch(expectFailure) };

/** CPU µs per request at concurrency 16 (the bench's own measure). */
const measure = async (contender: Contender, path: string, count: number): Promise<number> =>
  (await measureRun(contender, path, count, 16)).cpuUs;

const requests = Number(requestsArg);
if (['ok', 'fail', 'floor-ok', 'floor-fail'].includes(mode)) {
  const path = mode.endsWith('ok') ? '/ok' : '/fail';
  const target = mode.startsWith('floor') ? floorSafe : json;
  await measure(target, path, 2000);
  // Profiles only the measured requests (not the SDKs' start-up): PROFILE=<file prefix>.
  const prefix = process.env['PROFILE'];
  const session = prefix === undefined ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const us = await measure(target, path, requests);
  if (session !== undefined && prefix !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`${prefix}.cpuprofile`, JSON.stringify(profile));
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(`${prefix}.heapprofile`, JSON.stringify(heap));
  }
  process.stdout.write(`${mode}: ${us.toFixed(1)} µs/req\n`);
} else {
  const all = [undici, floorSafe, json];
  const results: Record<string, number[]> = {};
  for (let round = 0; round < Number(roundsArg); round++) {
    for (const [i] of all.entries()) {
      const contender = all[(i + round) % all.length]!;
      for (const path of ['/ok', '/fail']) {
        await measure(contender, path, 2000);
        const key = `${contender.name} ${path}`;
        (results[key] ??= []).push(await measure(contender, path, requests));
      }
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  for (const path of ['/ok', '/fail']) {
    const u = median(results[`undici ${path}`]!);
    const f = median(results[`floor ${path}`]!);
    for (const c of all) {
      const v = results[`${c.name} ${path}`]!;
      const m = median(v);
      process.stdout.write(
        `${path}\t${c.name.padEnd(40)} ${m.toFixed(1)} µs [${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}]  ×undici ${(m / u).toFixed(2)}  ×floor ${(m / f).toFixed(2)}\n`,
      );
    }
  }
}
for (const c of contenders) await c.close();
await undici.close();
await floor.close();
await shutdown();
server.kill('SIGTERM');
process.exit(0);
