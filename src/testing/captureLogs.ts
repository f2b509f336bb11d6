import { Writable } from 'node:stream';
import winston, { type Logger } from 'winston';
import { createLogger } from '../signals/logs/createLogger.js';

/** One log line as winston's JSON format wrote it, parsed. */
export type LogLine = Record<string, unknown>;

/** A real winston logger whose lines are kept for assertions. */
export interface CapturedLogs {
  /** faultline's own logger (JSON lines, trace ids) writing to {@link CapturedLogs.transport}. */
  readonly logger: Logger;
  /** A winston transport to add to an app's own logger: its lines land in `lines` too. */
  readonly transport: winston.transport;
  /** Every line, parsed: a live array, emptied by `reset()`. */
  readonly lines: LogLine[];
  reset(): void;
}

/**
 * A winston logger whose formatted lines are parsed into `lines`, as a file or stdout
 * transport would have written them (a line that is not JSON is kept as `{ message }`).
 *
 * @param level - the logger's level
 * @default level 'debug'
 * @example
 * ```ts
 * const logs = captureLogs();
 * const client = createClient({ baseUrl, telemetry: { logger: logs.logger } });
 * ```
 */
export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: LogLine[] = [];
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const text = String(chunk).trim();
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ message: text });
      }
      done();
    },
  });
  const transport = new winston.transports.Stream({ stream: sink });
  return {
    logger: createLogger({ level, format: 'json', transports: [transport] }),
    transport,
    lines,
    reset() {
      lines.length = 0;
    },
  };
}
