import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import * as Sentry from '@sentry/node';
import { type FaultServer, type SentrySink, startFaultServer, startSentrySink } from '../../../src/testing/index.js';
import { createClient, fallback, type Policy, type RequestObserver, retry, throttle } from '../../../src/index.js';
import { DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY } from '../../../src/redaction/Redactor.js';
import { type CapturedLogs, captureLogs } from '../../helpers/captureLogs.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { type OtelHarness, startOtel } from '../../helpers/otel.js';

// The planted-secrets suite: every default secret query name and header name carries a value
// of its own, on a call that fails and on calls that succeed, and no value may appear in any
// signal, in the thrown error, or in the bytes the real @sentry/node (default integrations,
// breadcrumbs included, initialised by the app) sends to a loopback DSN.

/** A value distinctive enough that finding it anywhere can only be a leak. */
const plant = (path: string, name: string, i: number): string =>
  `Zq${path}${i}${name.replace(/[^a-z0-9]/gi, '').slice(0, 6)}W7k9`;

/** `x-amz-signature` as AWS writes it: `X-Amz-Signature`. */
const titleCase = (name: string): string =>
  name.replace(/(^|[-_])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());

interface Planted {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** Where each secret was planted, by value. */
  readonly secrets: Map<string, string>;
}

/** Every default query name (in `nameCase`) and header name with a value of its own, and userinfo. */
function planted(origin: string, path: string, nameCase: (name: string) => string): Planted {
  const secrets = new Map<string, string>();
  // `authorization` as a query parameter is named in issue 21 even where a default list lacks it.
  const query = [...new Set([...DEFAULT_REDACTED_QUERY, 'authorization'])].map((name, i) => {
    const value = plant(`${path}q`, name, i);
    secrets.set(value, `query ${nameCase(name)}`);
    return `${encodeURIComponent(nameCase(name))}=${value}`;
  });
  const headers: Record<string, string> = {};
  DEFAULT_REDACTED_HEADERS.forEach((name, i) => {
    const value = plant(`${path}h`, name, i);
    secrets.set(value, `header ${name}`);
    headers[nameCase(name)] =
      name === 'authorization' ? `Bearer ${value}` : name === 'cookie' ? `session=${value}` : value;
  });
  const user = plant(`${path}u`, 'user', 0);
  const pass = plant(`${path}p`, 'pass', 0);
  secrets.set(user, 'userinfo user').set(pass, 'userinfo password');
  const url = `http://${user}:${pass}@${origin.replace(/^http:\/\//, '')}/planted/${path}?page=2&${query.join('&')}`;
  return { url, headers, secrets };
}

/** The text of a thrown error: message, url, every property and its cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(inspect(current, { depth: 6, showHidden: true }), String(current));
    if (typeof current === 'object') {
      const { message, url, stack } = current as { message?: unknown; url?: unknown; stack?: unknown };
      parts.push(String(message), String(url), String(stack));
    }
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function assertNoSecret(secrets: Map<string, string>, where: Record<string, string>): void {
  const leaks: string[] = [];
  for (const [value, what] of secrets) {
    for (const [place, text] of Object.entries(where)) if (text.includes(value)) leaks.push(`${what} in ${place}`);
  }
  assert.deepEqual(leaks, []);
}

describe('planted secrets: every default secret name, every signal, the bytes on the wire to Sentry', () => {
  let upstream: FaultServer;
  let sink: SentrySink;
  let otel: OtelHarness;

  before(async () => {
    upstream = await startFaultServer();
    sink = await startSentrySink();
    otel = startOtel();
    // The app's own Sentry, default integrations on: its HTTP breadcrumbs are a leak path.
    Sentry.init({ dsn: sink.dsn, integrations: [Sentry.openTelemetryIntegration()] });
    upstream.script('/planted/fail', { status: 503 }, { fault: 'reset-before-headers' }, { status: 502 });
    upstream.script('/planted/ok', { status: 200, json: { ok: true } });
  });
  after(async () => {
    await Sentry.close(2000);
    await otel.shutdown();
    await sink.close();
    await upstream.close();
  });

  /** Everything that left the process since `logs` and the sink were fresh. */
  async function signalsOf(logs: CapturedLogs): Promise<Record<string, string>> {
    await Sentry.flush(3000);
    const spans = otel.finishedSpans();
    const metrics = await otel.collect();
    return {
      'log lines': JSON.stringify(logs.lines),
      'span names, attributes, status and events': JSON.stringify(
        spans.map((span) => [span.name, span.attributes, span.status, span.events]),
      ),
      'metric attributes': JSON.stringify([...metrics.values()].map((m) => m.dataPoints.map((p) => p.attributes))),
      'the bytes sent to Sentry': sink.raw.join('\n'),
    };
  }

  const clientWith = (logs: CapturedLogs, headers: Record<string, string>) =>
    createClient({
      name: 'planted',
      clock: fakeClock(),
      env: { FAULTLINE_REPORT_CAP_PER_MINUTE: '1000' },
      telemetry: { logger: logs.logger },
      resilience: [retry({ maxAttempts: 3 }), throttle()],
      headers,
    });

  it('on the failure path: log lines, spans, metrics, the thrown error and the Sentry event with its breadcrumbs', async () => {
    otel.reset();
    sink.reset();
    const logs = captureLogs('debug');
    const { url, headers, secrets } = planted(upstream.url, 'fail', titleCase);
    const error = await clientWith(logs, headers)
      .get(url)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof Error, 'the call failed');
    // An app event after the call carries Sentry's own breadcrumbs of the attempts.
    Sentry.captureException(new Error('an app error after the failed call'));
    const where = { ...(await signalsOf(logs)), 'the thrown error': errorText(error) };
    assert.equal(upstream.seen('/planted/fail').length, 3, 'three attempts were sent');
    assert.ok(
      sink.events().some((event) => event.tags?.['faultline.failure.kind'] !== undefined),
      'faultline reported the failed call',
    );
    assert.ok(logs.lines.length >= 3, 'the attempts were logged');
    assertNoSecret(secrets, where);
  });

  it('on the success path: the breadcrumbs Sentry records of successful calls ride on a later app event', async () => {
    otel.reset();
    sink.reset();
    const logs = captureLogs('debug');
    const { url, headers, secrets } = planted(upstream.url, 'ok', (name) => name.toUpperCase());
    const client = clientWith(logs, headers);
    for (let i = 0; i < 3; i++) assert.deepEqual(await client.json(url), { ok: true });
    Sentry.captureException(new Error('an app error after the successful calls'));
    const where = await signalsOf(logs);
    const event = sink
      .events()
      .find((e) => e.exception?.values[0]?.value === 'an app error after the successful calls');
    const crumbs = (event?.breadcrumbs ?? []).filter((b) => String(b.data?.['url']).includes('/planted/ok'));
    assert.ok(crumbs.length >= 3, "Sentry's own HTTP breadcrumbs of the calls reached the sink");
    assert.match(String(crumbs[0]?.data?.['url.query']), /page=2/, 'the harmless parameters stay');
    assert.ok(logs.lines.length >= 3, 'the successful calls were logged at debug');
    assertNoSecret(secrets, where);
  });
});

describe('a cross-origin redirect drops every header the redaction list names', () => {
  let here: FaultServer;
  let away: FaultServer;
  before(async () => {
    here = await startFaultServer();
    away = await startFaultServer();
  });
  after(async () => {
    await here.close();
    await away.close();
  });

  const secretHeaders = (): Record<string, string> => {
    const headers: Record<string, string> = { 'X-Customer-Pin': 'pin-4242', 'x-harmless': 'kept' };
    for (const name of DEFAULT_REDACTED_HEADERS) headers[titleCase(name)] = `value-of-${name}`;
    return headers;
  };
  const secretNames = [...DEFAULT_REDACTED_HEADERS, 'x-customer-pin'];

  for (const [how, extra] of [
    ['redact.headers', { redact: { headers: ['X-Customer-Pin'] } }],
    ['FAULTLINE_REDACT_HEADERS', { env: { FAULTLINE_REDACT_HEADERS: 'x-customer-pin' } }],
  ] as const) {
    it(`the defaults and the user's additions (${how}); a same-origin redirect keeps them`, async () => {
      here.script('/away', { status: 302, headers: { location: `${away.url}/landing` } });
      away.script('/landing', { status: 200, body: '{}' });
      here.script('/stay', { status: 307, headers: { location: '/landing-here' } });
      here.script('/landing-here', { status: 200, body: '{}' });
      const client = createClient({
        baseUrl: here.url,
        telemetry: { enabled: false },
        env: {},
        ...extra,
        headers: secretHeaders(),
      });
      await client.get('/away');
      await client.get('/stay');
      const landed = away.seen('/landing')[0]?.headers ?? {};
      assert.deepEqual(
        secretNames.filter((name) => landed[name] !== undefined),
        [],
        'no secret header reached the other origin',
      );
      assert.equal(landed['x-harmless'], 'kept');
      const stayed = here.seen('/landing-here')[0]?.headers ?? {};
      assert.equal(stayed['x-customer-pin'], 'pin-4242');
      assert.equal(stayed['x-api-key'], 'value-of-x-api-key');
    });
  }
});

describe('error texts faultline writes or relays are scrubbed', () => {
  let upstream: FaultServer;
  before(async () => {
    upstream = await startFaultServer();
    upstream.script('/hooks', { status: 503 }, { status: 200, json: { ok: true } });
    upstream.script('/down', { status: 503 });
  });
  after(async () => {
    await upstream.close();
  });

  it("a hook's error that repeats the call's bearer token, API key or query token is logged without them", async () => {
    const bearer = 'bearer-Zq81hT55sec';
    const apiKey = 'apikey-Zq92uX71sec';
    const token = 'query-Zq13pL88sec';
    const echo = (where: string) => () => {
      throw new Error(`${where} saw Bearer ${bearer}, key ${apiKey}, ?token=${token} and ${token}`);
    };
    const observer: RequestObserver = {
      attemptStarted: echo('observer attemptStarted'),
      callEnded: echo('observer callEnded'),
    };
    // A policy of the user's own: retries at once, and its onSuccess hook throws.
    const retryAtOnce: Policy = {
      name: 'retryAtOnce',
      build: () => ({
        afterFailure: () => ({ delayMs: 0, reason: 'strategy', delaySource: 'backoff' }),
        onSuccess: echo('policy onSuccess'),
      }),
    };
    const echoing = fallback({ answer: echo('fallback') });
    const logs = captureLogs('debug');
    const client = createClient({
      baseUrl: upstream.url,
      clock: fakeClock(),
      env: {},
      telemetry: { logger: logs.logger, observers: [observer] },
      headers: { authorization: `Bearer ${bearer}`, 'x-api-key': apiKey },
      resilience: [echoing, retryAtOnce],
      auth: { apply: echo('auth') },
    });
    assert.deepEqual(await client.json(`/hooks?token=${token}`), { ok: true });
    // This call's list keeps the fallback and drops the retry: it fails at once, and the fallback answers.
    await assert.rejects(client.json(`/down?token=${token}`, { resilience: [echoing] }));
    const reported = logs.lines
      .map((line) => String(line['message']))
      .filter((message) => message.startsWith('faultline:'))
      .sort();
    assert.deepEqual(reported, [
      'faultline: an observer (attemptStarted) failed; the request goes on',
      'faultline: an observer (callEnded) failed; the request goes on',
      'faultline: auth strategy (apply) failed; the request goes on',
      'faultline: fallback (answer) failed; the request goes on',
      'faultline: retryAtOnce (onSuccess) failed; the request goes on',
    ]);
    const text = JSON.stringify(logs.lines);
    for (const secret of [bearer, apiKey, token]) assert.ok(!text.includes(secret), `${secret} leaked`);
    assert.match(text, /observer attemptStarted saw REDACTED, key REDACTED, \?token=REDACTED and REDACTED/);
  });

  it('a ConfigError for a baseUrl does not echo its password', () => {
    for (const baseUrl of [
      'http://user:hunter2-pass@exa mple.com/',
      'user:hunter2-pass@no-scheme',
      'http://u:hunter2-pass@h:99999/',
    ]) {
      const error = (() => {
        try {
          createClient({ baseUrl, env: {} });
        } catch (e) {
          return e as Error & { value?: unknown };
        }
        return undefined;
      })();
      assert.equal(error?.name, 'ConfigError', baseUrl);
      assert.ok(!`${error.message} ${String(error.value)}`.includes('hunter2'), `${error.message}`);
      assert.match(error.message, /^baseUrl=/);
    }
  });
});

describe('a Sentry the app sets up after the client is made redacts what it records too', () => {
  let upstream: FaultServer;
  let sink: SentrySink;
  before(async () => {
    upstream = await startFaultServer();
    sink = await startSentrySink();
  });
  after(async () => {
    await Sentry.close(2000);
    await sink.close();
    await upstream.close();
  });

  it('the breadcrumbs of successful calls made after Sentry.init carry no secret', async () => {
    const logs = captureLogs('debug');
    const { url, headers, secrets } = planted(upstream.url, 'late', titleCase);
    const client = clientWithLogs(logs, headers);
    Sentry.init({ dsn: sink.dsn });
    assert.deepEqual(await client.json(url), { ok: true });
    Sentry.captureException(new Error('an app error after a call'));
    await Sentry.flush(3000);
    const event = sink.events().find((e) => e.exception?.values[0]?.value === 'an app error after a call');
    assert.ok(
      (event?.breadcrumbs ?? []).some((b) => String(b.data?.['url']).includes('/planted/late')),
      "Sentry's own HTTP breadcrumb of the call reached the sink",
    );
    assertNoSecret(secrets, {
      'the bytes sent to Sentry': sink.raw.join('\n'),
      'log lines': JSON.stringify(logs.lines),
    });
  });
});

function clientWithLogs(logs: CapturedLogs, headers: Record<string, string>) {
  return createClient({ name: 'late', clock: fakeClock(), env: {}, telemetry: { logger: logs.logger }, headers });
}
