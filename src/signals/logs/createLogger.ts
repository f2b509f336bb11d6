import type { Logger } from 'winston';
import { DEFAULTS, settle } from '../../core/defaults.js';
import type { EnvConfig } from '../../config/envConfig.js';
import { lazyRequire } from '../../core/lazyRequire.js';
import { otelApi } from '../otelApi.js';
import { prettyLine } from './prettyLine.js';

const winston = lazyRequire<typeof import('winston')>('winston');

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default FAULTLINE_LOG_LEVEL, else LOG_LEVEL, else 'info' */
  readonly level?: string;
  /** @default FAULTLINE_LOG_FORMAT, else 'json' */
  readonly format?: 'json' | 'pretty';
  /** Fields on every line, e.g. `{ 'service.name': 'checkout' }`. */
  readonly defaultMeta?: Record<string, unknown>;
  /** Where lines go. @default a Console transport (stdout) */
  readonly transports?: import('winston').transport[];
}

/**
 * A winston format that adds `trace_id` and `span_id` of the active span to lines that
 * carry none, whatever order winston and the OpenTelemetry SDK were loaded in.
 */
export function traceContextFormat(): import('winston').Logform.Format {
  return winston().format((info) => {
    if (info['trace_id'] === undefined) {
      const span = otelApi().trace.getActiveSpan();
      const context = span?.spanContext();
      if (context !== undefined && otelApi().isSpanContextValid(context)) {
        info['trace_id'] = context.traceId;
        info['span_id'] = context.spanId;
      }
    }
    return info;
  })();
}

const MESSAGE = Symbol.for('message');

/**
 * JSON lines with plain JSON.stringify: logform's json format configures a new
 * safe-stable-stringify on every line, which costs more than the rest of a failed call's
 * signals. A line that JSON.stringify cannot write (a cycle, a BigInt) falls back to it.
 */
function jsonLines(): import('winston').Logform.Format {
  const { format } = winston();
  const safe = format.json();
  return format((info) => {
    try {
      (info as Record<symbol, unknown>)[MESSAGE] = JSON.stringify(info);
      return info;
    } catch {
      return safe.transform(info, {});
    }
  })();
}

/** Short lines for a person (see {@link prettyLine}), coloured only for a terminal. */
function prettyLines(colours: boolean): import('winston').Logform.Format {
  return winston().format((info) => {
    (info as Record<symbol, unknown>)[MESSAGE] = prettyLine(info, colours);
    return info;
  })();
}

/** The default Console transport writes to stdout: colour it only when that is a terminal and NO_COLOR is unset. */
function colourTerminal(): boolean {
  const noColour = process.env['NO_COLOR'];
  return process.stdout.isTTY === true && (noColour === undefined || noColour === '');
}

/**
 * Builds the winston logger faultline uses when the application passes none: JSON lines
 * (or a short line for a person with FAULTLINE_LOG_FORMAT=pretty, ids last) with a timestamp and the
 * trace ids, at FAULTLINE_LOG_LEVEL / LOG_LEVEL.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug', defaultMeta: { 'service.name': 'checkout' } });
 * const payments = createClient({ baseUrl, logger });
 * ```
 */
export function createLogger(options: LoggerOptions = {}, env: EnvConfig = {}): Logger {
  const w = winston();
  const { format } = w;
  const pretty = settle(options.format, env.logFormat, DEFAULTS.logFormat) === 'pretty';
  const logger = w.createLogger({
    level: settle<string>(options.level, env.logLevel, DEFAULTS.logLevel),
    defaultMeta: options.defaultMeta,
    format: format.combine(
      format.timestamp(),
      traceContextFormat(),
      pretty ? prettyLines(options.transports === undefined && colourTerminal()) : jsonLines(),
    ),
    transports: options.transports ?? [new w.transports.Console()],
  });
  // A transport that fails later (a full disk, a closed pipe) must not become an uncaught
  // 'error' event in the application: it is told once on stderr and logging goes on.
  let told = false;
  logger.on('error', (error: unknown) => {
    if (told) return;
    told = true;
    process.stderr.write(`faultline: a log transport failed: ${String(error)}\n`);
  });
  return logger;
}
