import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import { StuckTransport, ThrowingExporter, ThrowingTransport } from '../../helpers/brokenTelemetry.js';
import {
  closedPort,
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
  type SentrySink,
  startSentrySink,
} from '../../../src/testing/index.js';
import { createClient, isRequestFailure, type RequestObserver } from '../../../src/index.js';
import { createDiagnostics } from '../../../src/core/diagnostics.js';
import { createRedactor } from '../../../src/redaction/Redactor.js';
import { createSignalsObserver } from '../../../src/signals/createSignalsObserver.js';
import { createLogger } from '../../../src/signals/logs/createLogger.js';
import { fakeClock } from '../../helpers/fakeClock.js';

/** What a caller sees of a call: status, or failure kind and attempts. */
async function outcomeOf(promise: Promise<Response>): Promise<string> {
  try {
    const res = await promise;
    return `status ${res.status} ${await res.text()}`;
  } catch (error) {
    return isRequestFailure(error)
      ? `${error.kind} ${error.code} after ${error.attempts}`
      : `unexpected ${String(error)}`;
  }
}

/** Never calls back: a transport that back-pressures forever. */

describe('telemetry faults never change a request’s outcome', () => {
  let server: FlakyUpstream;
  let sink: SentrySink;
  const unexpected: unknown[] = [];
  const onUnexpected = (error: unknown) => unexpected.push(error);

  before(async () => {
    server = await startFlakyUpstream();
    sink = await startSentrySink();
    process.on('unhandledRejection', onUnexpected);
    process.on('uncaughtException', onUnexpected);
    server.script('/ok', { status: 200, body: 'fine' });
    server.script('/flaky', { status: 503 }, { status: 503 }, { status: 200, body: 'recovered' });
    server.script('/broken', { status: 500 });
  });
  after(async () => {
    process.off('unhandledRejection', onUnexpected);
    process.off('uncaughtException', onUnexpected);
    await Sentry.close(100);
    await sink.close();
    await server.close();
  });

  /** The three reference calls, through a client with the given options. */
  const scenario = async (options: Parameters<typeof createClient>[0]): Promise<string[]> => {
    const client = createClient({
      baseUrl: server.url,
      name: 'faulty',
      clock: fakeClock(),
      env: {},
      ...options,
    });
    server.script('/flaky', { status: 503 }, { status: 503 }, { status: 200, body: 'recovered' });
    return [
      await outcomeOf(client.get('/ok')),
      await outcomeOf(client.get('/flaky')),
      await outcomeOf(client.get('/broken')),
    ];
  };

  let baseline: string[];
  it('baseline, every signal off', async () => {
    baseline = await scenario({ telemetry: { enabled: false } });
    assert.deepEqual(baseline, ['status 200 fine', 'status 200 recovered', 'server 500 after 1']);
  });

  for (const mode of ['down', 'hang', '429', 'rate-limits'] as const) {
    it(`Sentry sink ${mode}`, async () => {
      const dsn = mode === 'down' ? `http://public@127.0.0.1:${await closedPort()}/1` : sink.dsn;
      if (mode !== 'down') sink.setMode(mode);
      Sentry.init({ dsn, defaultIntegrations: false });
      assert.deepEqual(
        await scenario({ telemetry: { logger: createLogger({ transports: [new StuckTransport()] }) } }),
        baseline,
      );
      const flushed = await Sentry.flush(200);
      assert.equal(typeof flushed, 'boolean');
      sink.setMode('ok');
    });
  }

  it('a winston transport that throws, and one that never calls back', async () => {
    assert.deepEqual(
      await scenario({
        telemetry: { logger: createLogger({ level: 'debug', transports: [new ThrowingTransport()] }) },
      }),
      baseline,
    );
    assert.deepEqual(
      await scenario({
        telemetry: { logger: createLogger({ level: 'debug', transports: [new StuckTransport()] }) },
      }),
      baseline,
    );
  });

  it('a logger whose every method throws', async () => {
    const hostile = new Proxy(
      {},
      {
        get: () => () => {
          throw new Error('logger down');
        },
      },
    ) as never;
    assert.deepEqual(await scenario({ telemetry: { logger: hostile } }), baseline);
  });

  it('a span exporter that throws', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ThrowingExporter())],
    });
    const observer = createSignalsObserver({
      tracer: provider.getTracer('faults'),
      report: false,
      redactor: createRedactor(),
      diagnostics: createDiagnostics(() => {}),
    });
    assert.deepEqual(await scenario({ telemetry: { enabled: false, observers: [observer] } }), baseline);
  });

  it('an observer that throws at every step', async () => {
    const boom = (): never => {
      throw new Error('observer bug');
    };
    const observer: RequestObserver = { attemptStarted: boom, callEnded: boom };
    const scoped: RequestObserver = {
      attemptStarted: () => ({ run: boom, send: boom, inject: boom, end: boom }),
    };
    assert.deepEqual(await scenario({ telemetry: { observers: [observer, scoped] } }), baseline);
  });

  it('nothing was unhandled', () => {
    assert.deepEqual(unexpected, []);
  });
});
