import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import winston from 'winston';
import type { FaultServer } from '../../../src/testing/index.js';
import {
  ConfigError,
  createClient,
  type ClientOptions,
  type FaultlineLogger,
  type Policy,
} from '../../../src/index.js';
import type { InitOptions } from '../../../src/runtime/init.js';
import { captureLogs } from '../../helpers/captureLogs.js';
import type { OtelHarness } from '../../helpers/otel.js';
import { useFlakyUpstream, useOtel } from '../../helpers/suiteUpstream.js';
import { retryOnceAtOnce } from './retryOnceAtOnce.js';

/** One immediate retry: a failed call is one retried attempt's warn line and one call's error line. */
const RETRY_ONCE = [retryOnceAtOnce];

/** A line as any of the three loggers received it: level, message and fields apart. */
interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** What each logger adds of its own (time, pid...) and what differs from call to call. */
const OWN = new Set(['level', 'message', 'msg', 'time', 'pid', 'hostname', 'timestamp']);
const PER_CALL = new Set(['trace_id', 'span_id', 'faultline.duration_ms']);

/** The fields that must be the same whichever logger wrote the line. */
function comparable(line: Line): Record<string, unknown> {
  return Object.fromEntries(Object.entries(line.fields).filter(([key]) => !PER_CALL.has(key)));
}

/** A real pino logger writing JSON lines to a stream the test reads. */
function capturePino(level = 'info') {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const fields = Object.fromEntries(Object.entries(parsed).filter(([key]) => !OWN.has(key)));
        lines.push({
          level: logger.levels.labels[Number(parsed['level'])] ?? '?',
          message: String(parsed['msg']),
          fields,
        });
      }
      done();
    },
  });
  const logger = pino({ level }, stream);
  return { logger, lines };
}

/** A real winston logger (the testing kit's JSON lines capture). */
function captureWinston(level = 'info') {
  const logs = captureLogs(level);
  const lines = (): Line[] =>
    logs.lines.map((parsed) => ({
      level: String(parsed['level']),
      message: String(parsed['message']),
      fields: Object.fromEntries(Object.entries(parsed).filter(([key]) => !OWN.has(key))),
    }));
  return { logger: logs.logger, lines };
}

type ConsoleLevel = 'error' | 'warn' | 'info' | 'debug';
const CONSOLE_LEVELS: readonly ConsoleLevel[] = ['error', 'warn', 'info', 'debug'];

/** `console` itself, its level methods replaced for the test (restored by `restore`). */
function captureConsole() {
  const lines: Line[] = [];
  const saved = CONSOLE_LEVELS.map((level) => [level, console[level]] as const);
  for (const level of CONSOLE_LEVELS) {
    console[level] = (message: unknown, fields: unknown, ...rest: unknown[]) => {
      assert.equal(rest.length, 0, 'one message and one fields object per line');
      lines.push({ level, message: String(message), fields: fields as Record<string, unknown> });
    };
  }
  return {
    lines,
    restore() {
      for (const [level, method] of saved) console[level] = method;
    },
  };
}

/** The failure lines of calls to `path`, in order. */
const linesTo = (lines: readonly Line[], path: string) =>
  lines.filter((line) => String(line.fields['url.full']).includes(path));

describe('any logger: winston, pino and console as they are (real upstream, real loggers)', () => {
  const upstream = useFlakyUpstream();
  const harness = useOtel();
  let server: FaultServer;
  let otel: OtelHarness;
  let restoreConsole: (() => void) | undefined;
  before(() => {
    server = upstream.server;
    otel = harness.otel;
    server.script('/down', { status: 503 });
  });
  beforeEach(() => otel.reset());
  after(() => restoreConsole?.());

  it('each receives the same failure lines: same levels, messages and fields, url.full redacted, trace ids', async () => {
    const w = captureWinston();
    const p = capturePino();
    const c = captureConsole();
    restoreConsole = c.restore;
    try {
      for (const logger of [w.logger, p.logger, console]) {
        const client = upstream.client({ telemetry: { logger, report: false }, resilience: RETRY_ONCE });
        await assert.rejects(client.get('/down?token=hunter2&n=1'), { kind: 'server' });
      }
    } finally {
      c.restore();
    }
    const byLogger = {
      winston: linesTo(w.lines(), '/down'),
      pino: linesTo(p.lines, '/down'),
      console: linesTo(c.lines, '/down'),
    };
    for (const [name, lines] of Object.entries(byLogger)) {
      assert.deepEqual(
        lines.map((line) => line.level),
        ['warn', 'error'],
        `${name}: the retried attempt at warn, the failed call at error`,
      );
      const [attempt, call] = lines as [Line, Line];
      assert.match(attempt.message, /^faults GET \/down attempt 1 failed \(server 503\); retrying in 0 ms/, name);
      assert.equal(call.message, 'faults GET /down failed: server 503 after 2 attempts', name);
      for (const line of lines) {
        assert.equal(line.fields['faultline.failure.kind'], 'server', name);
        assert.equal(line.fields['error.type'], '503', name);
        assert.equal(line.fields['http.response.status_code'], 503, name);
        assert.equal(line.fields['faultline.upstream'], 'faults', name);
        assert.equal(line.fields['url.full'], `${server.url}/down?token=REDACTED&n=1`, name);
        assert.match(String(line.fields['trace_id']), /^[0-9a-f]{32}$/, name);
        assert.match(String(line.fields['span_id']), /^[0-9a-f]{16}$/, name);
      }
      assert.equal(call.fields['faultline.attempts'], 2, name);
    }
    // Field for field the same, whichever logger (only the call's own ids and durations differ).
    assert.deepEqual(byLogger.pino.map(comparable), byLogger.winston.map(comparable));
    assert.deepEqual(byLogger.console.map(comparable), byLogger.winston.map(comparable));
  });

  it("each receives faultline's own trouble (the diagnostics sink) at warn with its fields", async () => {
    const broken: Policy = {
      name: 'broken',
      build: () => ({
        afterFailure: () => {
          throw new Error('strategy bug');
        },
      }),
    };
    const w = captureWinston();
    const p = capturePino();
    const c = captureConsole();
    restoreConsole = c.restore;
    try {
      for (const logger of [w.logger, p.logger, console]) {
        const client = upstream.client({ telemetry: { logger, report: false }, resilience: [broken] });
        await assert.rejects(client.get('/down?n=2'), { kind: 'server' });
      }
    } finally {
      c.restore();
    }
    for (const [name, lines] of Object.entries({ winston: w.lines(), pino: p.lines, console: c.lines })) {
      const told = lines.filter((line) => line.message.startsWith('faultline: broken (afterFailure) failed'));
      assert.equal(told.length, 1, `${name}: ${JSON.stringify(lines.map((line) => line.message))}`);
      assert.equal(told[0]?.level, 'warn', name);
      assert.match(String(told[0]?.fields['error']), /strategy bug/, name);
    }
  });

  it("console: successes' debug lines only at LOG_LEVEL=debug (console has no level check of its own)", async () => {
    const c = captureConsole();
    restoreConsole = c.restore;
    try {
      await upstream.client({ telemetry: { logger: console, report: false } }).get('/ok?n=3');
      await upstream
        .client({ telemetry: { logger: console, report: false }, env: { LOG_LEVEL: 'debug' } })
        .get('/ok?n=4');
    } finally {
      c.restore();
    }
    const ok = linesTo(c.lines, '/ok');
    assert.deepEqual(
      ok.map((line) => [line.level, line.fields['url.full']]),
      [['debug', `${server.url}/ok?n=4`]],
    );
    assert.equal(ok[0]?.fields['http.response.status_code'], 200);
  });

  it('pino: its own level decides, by its level names', async () => {
    const p = capturePino('error');
    const client = upstream.client({ telemetry: { logger: p.logger, report: false }, resilience: RETRY_ONCE });
    await assert.rejects(client.get('/down?n=5'), { kind: 'server' });
    await client.get('/ok?n=6');
    assert.deepEqual(
      p.lines.map((line) => line.level),
      ['error'],
    );
    const debug = capturePino('debug');
    await upstream.client({ telemetry: { logger: debug.logger, report: false } }).get('/ok?n=7');
    assert.deepEqual(
      debug.lines.map((line) => [line.level, line.fields['url.full']]),
      [['debug', `${server.url}/ok?n=7`]],
    );
  });

  it('a logger that throws, of any shape, never changes what a call answers', async () => {
    const boom = (): never => {
      throw new Error('logger down');
    };
    const pinoShaped = { isLevelEnabled: () => true, error: boom, warn: boom, info: boom, debug: boom };
    const consoleShaped = { error: boom, warn: boom, info: boom, debug: boom };
    const winstonShaped = { isLevelEnabled: () => true, log: boom };
    const levelCheckThrows = { isLevelEnabled: boom, error: boom, warn: boom, info: boom, debug: boom };
    for (const logger of [pinoShaped, consoleShaped, winstonShaped, levelCheckThrows]) {
      const client = upstream.client({
        telemetry: { logger, report: false },
        resilience: RETRY_ONCE,
        env: { LOG_LEVEL: 'debug' },
      });
      assert.equal((await client.get('/ok?n=8')).status, 200);
      await assert.rejects(client.get('/down?n=9'), { kind: 'server', status: 503 });
    }
  });

  it('the option check accepts winston, pino and console, and refuses what is none of them', () => {
    const p = capturePino();
    for (const logger of [captureWinston().logger, p.logger, console]) {
      createClient({ baseUrl: server.url, telemetry: { logger }, env: {} });
    }
    // With signals off only diagnostics are written: warn alone is enough, as before.
    createClient({
      baseUrl: server.url,
      telemetry: { logger: { warn() {} } as unknown as FaultlineLogger, enabled: false },
      env: {},
    });
    for (const logger of [{}, { warn() {} }, { log() {} }, { isLevelEnabled: () => true }]) {
      assert.throws(
        () =>
          createClient({ baseUrl: server.url, telemetry: { logger: logger as unknown as FaultlineLogger }, env: {} }),
        (error: unknown) =>
          error instanceof ConfigError && error.variable === 'telemetry.logger' && /pino/.test(error.message),
      );
    }
  });
});

// The type test: this file compiles only if each logger is accepted as it is, without a cast.
const pinoLogger = pino();
const winstonLogger = winston.createLogger();
export const typeChecks: readonly ClientOptions[] = [
  { telemetry: { logger: pinoLogger } },
  { telemetry: { logger: pinoLogger.child({ component: 'payments' }) } },
  { telemetry: { logger: winstonLogger } },
  { telemetry: { logger: winstonLogger.child({ component: 'payments' }) } },
  { telemetry: { logger: console } },
];
export const initTypeChecks: readonly [InitOptions<typeof pinoLogger>, InitOptions<Console>, InitOptions] = [
  { logger: pinoLogger },
  { logger: console },
  { logger: winstonLogger },
];
