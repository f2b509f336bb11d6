import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
} from '../../../src/testing/index.js';
import { type Client, createClient, isRequestFailure, type Policy, throttle } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';
import { type ServiceApp, type StartService, startExpress, startFastify } from './serviceApps.js';

// Distinctive enough that finding it in an answer can only be a leak.
const UPSTREAM_SECRET = 'Zq-upstream-body-7f3a';

/** RFC 9457 §3: the members, their JSON types, and our extensions. */
function assertProblem(body: Record<string, unknown>, status: number): void {
  assert.equal(typeof body['type'], 'string');
  assert.ok(URL.canParse(String(body['type'])), 'type is a URI');
  assert.equal(typeof body['title'], 'string');
  assert.equal(body['status'], status, 'status matches the response');
  if ('detail' in body) assert.equal(typeof body['detail'], 'string');
  assert.equal(typeof body['instance'], 'string');
  assert.ok(String(body['instance']).startsWith('/'), 'instance is a URI reference');
}

/** Waits for something the server does on its own time, failing the test after 3 s. */
async function until(done: () => boolean): Promise<void> {
  const giveUp = performance.now() + 3_000;
  while (!done()) {
    assert.ok(performance.now() < giveUp, 'it never happened');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// A policy of one's own refusing every attempt, as an open breaker does; one list, built once.
const circuitOpen: readonly Policy[] = [
  {
    name: 'circuitOpen',
    build: () => ({ beforeAttempt: () => ({ kind: 'circuit_open', code: 'circuit_open', message: 'open' }) }),
  },
];

for (const [framework, start] of [
  ['Express 5', startExpress],
  ['Fastify 5', startFastify],
] as [string, StartService][]) {
  describe(`${framework}: problemResponses answers each kind as documented`, () => {
    let upstream: FlakyUpstream;
    let client: Client;
    let app: ServiceApp;
    let otel: OtelHarness;
    const logs = captureLogs('debug');
    const thrown: unknown[] = [];
    before(async () => {
      otel = startOtel();
      upstream = await startFlakyUpstream();
      const secretBody = JSON.stringify({ error: UPSTREAM_SECRET });
      upstream.script('/timeout', { fault: 'hang' });
      upstream.script('/throttled', { status: 429, headers: { 'retry-after': '7' }, body: secretBody });
      upstream.script('/network', { fault: 'reset-before-headers' });
      upstream.script('/server', { status: 500, body: secretBody });
      upstream.script('/invalid_response', {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: `<html>${UPSTREAM_SECRET}`,
      });
      upstream.script('/unauthorized', {
        status: 401,
        headers: { 'www-authenticate': `Basic realm="${UPSTREAM_SECRET}"` },
        body: secretBody,
      });
      upstream.script('/forbidden', { status: 403, body: secretBody });
      upstream.script('/client', { status: 404, body: secretBody });
      upstream.script('/circuit_open', { status: 200 });
      upstream.script('/ok', { status: 200, body: '{"fine":true}' });
      client = createClient({
        name: 'inventory',
        baseUrl: upstream.url,
        timeout: { totalMs: 300 },
        resilience: [throttle()],
        telemetry: { logger: logs.logger },
        env: {},
      });
      app = await start({
        client,
        thrown,
        problems: { logger: logs.logger },
        callOptions: (path) => (path === '/circuit_open' ? { resilience: circuitOpen } : {}),
      });
    });
    after(async () => {
      await app.close();
      await client.close();
      await upstream.close();
      await otel.shutdown();
    });

    const table: [string, number][] = [
      ['timeout', 504],
      ['throttled', 503],
      ['circuit_open', 503],
      ['network', 502],
      ['server', 502],
      ['invalid_response', 502],
      ['unauthorized', 502],
      ['forbidden', 502],
      ['client', 502],
    ];
    for (const [kind, status] of table) {
      it(`${kind} → ${status}, problem+json, nothing of the upstream passed on`, async () => {
        otel.reset();
        const before = logs.lines.length;
        const response = await fetch(`${app.url}/call/${kind}?api_key=Zq-caller-key`);
        const text = await response.text();
        assert.equal(response.status, status, text);
        assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        const body = JSON.parse(text) as Record<string, unknown>;
        assertProblem(body, status);
        assert.equal(body['kind'], kind);
        assert.equal(body['upstream'], 'inventory');
        assert.match(String(body['trace_id']), /^[0-9a-f]{32}$/);
        assert.equal(response.headers.get('retry-after'), kind === 'throttled' ? '7' : null);
        assert.equal(response.headers.get('www-authenticate'), null, "the upstream's challenge stays here");
        const everything = text + JSON.stringify([...response.headers]);
        assert.ok(!everything.includes(UPSTREAM_SECRET), `no upstream body or challenge: ${everything}`);
        assert.ok(!everything.includes('Zq-caller-key'), 'the query string is not echoed');
        assert.ok(!everything.includes(upstream.url), "the upstream's address is not told");

        // The server span carries the chosen status and the trace id told to the caller.
        await new Promise((resolve) => setImmediate(resolve));
        const server = otel.finishedSpans().find((span) => span.kind === 1);
        assert.equal(server?.attributes['http.response.status_code'], status);
        assert.equal(server?.attributes['faultline.failure.kind'], kind);
        assert.equal(server?.spanContext().traceId, body['trace_id']);
        // Logged once, by the client; the answer adds no line.
        const added = logs.lines.slice(before);
        assert.ok(added.length >= 1);
        assert.ok(
          added.every((line) => !/answered with|closed the request/.test(String(line['message']))),
          'problemResponses adds no line',
        );
      });
    }

    it("the app's own error classes get their status, title and detail; its 401 a challenge", async () => {
      const missing = await fetch(`${app.url}/own/42`);
      assert.equal(missing.status, 404);
      const body = (await missing.json()) as Record<string, unknown>;
      assertProblem(body, 404);
      assert.equal(body['title'], 'No such order');
      assert.equal(body['detail'], 'Order 42 does not exist.');
      const login = await fetch(`${app.url}/own/login`);
      assert.equal(login.status, 401);
      assert.equal(login.headers.get('www-authenticate'), 'Bearer');
      assertProblem((await login.json()) as Record<string, unknown>, 401);
    });

    it('plain JSON to a caller that accepts only JSON; never HTML', async () => {
      const json = await fetch(`${app.url}/call/server`, { headers: { accept: 'application/json' } });
      assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
      assertProblem((await json.json()) as Record<string, unknown>, 502);
      const html = await fetch(`${app.url}/call/server`, { headers: { accept: 'text/html' } });
      assert.equal(html.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      await html.text();
    });

    it('a success passes untouched', async () => {
      const response = await fetch(`${app.url}/call/ok`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { fine: true });
    });
  });

  describe(`${framework}: an incoming deadline bounds every call made for the request`, () => {
    let upstream: FlakyUpstream;
    let client: Client;
    let app: ServiceApp;
    let otel: OtelHarness;
    const thrown: unknown[] = [];
    const logs = captureLogs('debug');
    before(async () => {
      otel = startOtel();
      upstream = await startFlakyUpstream();
      upstream.script('/slow', { status: 200, body: '{}', delayMs: 5_000 });
      upstream.script('/hang', { fault: 'hang' });
      upstream.script('/brief', { status: 200, body: '{}', delayMs: 50 });
      client = createClient({
        name: 'inventory',
        baseUrl: upstream.url,
        timeout: { totalMs: 10_000 },
        resilience: [throttle()],
        telemetry: { logger: logs.logger },
        env: {},
      });
      app = await start({
        client,
        thrown,
        problems: { logger: logs.logger },
        deadlines: { header: 'x-request-timeout', propagate: 'x-request-timeout' },
      });
    });
    after(async () => {
      await app.close();
      await client.close();
      await upstream.close();
      await otel.shutdown();
    });

    it('a 300 ms incoming deadline cuts a 5 s upstream call at ~300 ms: 504, phase total, source caller', async () => {
      otel.reset();
      thrown.length = 0;
      const started = performance.now();
      const response = await fetch(`${app.url}/call/slow`, { headers: { 'x-request-timeout': '0.3' } });
      const elapsed = performance.now() - started;
      assert.equal(response.status, 504);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body['kind'], 'timeout');
      assert.match(String(body['detail']), /deadline passed/);
      // ~300 ms: not before the budget, and far from the upstream's 5 s (generous slack for a busy machine).
      assert.ok(elapsed >= 290 && elapsed < 2_000, `answered after ${Math.round(elapsed)} ms`);
      const [error] = thrown;
      assert.ok(isRequestFailure(error));
      assert.equal(error.kind, 'timeout');
      assert.equal(error.phase, 'total');
      assert.equal(error.deadlineSource, 'caller');
      const spans = otel.finishedSpans().filter((span) => span.attributes['faultline.upstream'] === 'inventory');
      assert.equal(spans.length, 1);
      assert.equal(spans[0]!.attributes['faultline.deadline.source'], 'caller');
      assert.equal(spans[0]!.attributes['faultline.failure.kind'], 'timeout');
      const final = logs.lines.find(
        (line) => line['faultline.failure.kind'] === 'timeout' && line['level'] === 'error',
      );
      assert.equal(final?.['faultline.deadline.source'], 'caller');
      // The next service is told what is left, in the header's own unit.
      const sent = Number(upstream.seen('/slow').at(-1)?.headers['x-request-timeout']);
      assert.ok(sent > 0 && sent <= 0.3, String(sent));
    });

    it('a request with a body is bounded too (the deadline survives body parsing)', async () => {
      thrown.length = 0;
      const started = performance.now();
      // The body's second half arrives later, so it is read in the socket's own async context.
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('{"padding":'));
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(new TextEncoder().encode('"x"}'));
          controller.close();
        },
      });
      const response = await fetch(`${app.url}/call/slow`, {
        method: 'POST',
        headers: { 'x-request-timeout': '0.3', 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      assert.equal(response.status, 504, await response.text());
      assert.ok(performance.now() - started < 2_000);
      assert.equal((thrown[0] as { deadlineSource?: string }).deadlineSource, 'caller');
    });

    it("the call's own timeout, when shorter, is told as own", async () => {
      thrown.length = 0;
      otel.reset();
      const response = await fetch(`${app.url}/call/brief`, { headers: { 'x-request-timeout': '30' } });
      await response.text();
      // Own timeout is 10 s here: the header's 30 s budget is longer, so the span says own.
      // (A call that succeeds or fails on its own still carries the source.)
      assert.equal(response.status, 200);
      const span = otel.finishedSpans().find((s) => s.attributes['faultline.upstream'] === 'inventory');
      assert.equal(span?.attributes['faultline.deadline.source'], 'own');
    });

    it('a caller that goes away cancels the call: no body, a 499 line, no error reported', async () => {
      const before = logs.lines.length;
      const gone = new AbortController();
      const pending = fetch(`${app.url}/call/hang`, { signal: gone.signal }).catch((e: unknown) => e);
      await until(() => upstream.hits('/hang') > 0);
      gone.abort();
      assert.equal(((await pending) as Error).name, 'AbortError');
      await until(() => logs.lines.slice(before).some((line) => line['http.response.status_code'] === 499));
      const added = logs.lines.slice(before);
      const told = added.find((line) => line['http.response.status_code'] === 499)!;
      assert.equal(told['level'], 'info');
      assert.equal(told['faultline.failure.kind'], 'cancelled');
      assert.equal(told['url.path'], '/call/hang');
      assert.ok(!added.some((line) => line['level'] === 'error'), 'a cancelled call is no error');
    });
  });
}
