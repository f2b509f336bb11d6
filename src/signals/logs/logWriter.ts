import { LOG_LEVELS, type LogLevel } from '../../config/envConfig.js';
import { loggerShapeOf } from '../../core/loggerShape.js';
import type {
  ConsoleStyleLogger,
  FaultlineLogger,
  LogFields,
  PinoStyleLogger,
  WinstonStyleLogger,
} from '../../types/logger.js';

/** The levels faultline writes at: the same names in winston, pino and console. */
export type LineLevel = 'error' | 'warn' | 'info' | 'debug';

/** Writes lines to the logger a client was given, however that logger is called. */
export interface LogWriter {
  /** Whether a line at `level` would be written (ask before building it). */
  enabled(level: LineLevel): boolean;
  /** Writes one line; `fields` is the writer's to keep (winston's line is that object). */
  write(level: LineLevel, message: string, fields: LogFields): void;
}

/**
 * The writer for `logger`, chosen once by its shape (see {@link loggerShapeOf}), so no line
 * pays for finding out. `consoleLevel` is the level check console lacks: the environment's.
 * Nothing is caught here: the callers guard every call, as they guard all user code.
 *
 * @default consoleLevel info
 */
export function logWriterFor(logger: FaultlineLogger, consoleLevel: LogLevel = 'info'): LogWriter {
  const shape = loggerShapeOf((name) => (logger as unknown as Record<string, unknown>)[name]);
  if (shape === 'winston') {
    const winston = logger as WinstonStyleLogger;
    return {
      enabled: (level) => winston.isLevelEnabled(level),
      // The one-argument form spares each line winston's copy of the fields and its search
      // of the message for printf tokens (`defaultMeta` is still added, by winston).
      write(level, message, fields) {
        fields['level'] = level;
        fields['message'] = message;
        winston.log(fields as { level: string; message: string });
      },
    };
  }
  if (shape === 'pino') {
    const pino = logger as PinoStyleLogger;
    return {
      enabled: (level) => pino.isLevelEnabled(level),
      // Looked up per line, not bound once: a method replaced later (a spy, a child) is used.
      write: (level, message, fields) => pino[level](fields, message),
    };
  }
  // console, or (with signals off) an object with warn alone: what diagnostics need.
  const written = LOG_LEVELS.indexOf(consoleLevel);
  const console = logger as ConsoleStyleLogger;
  const enabled = (level: LineLevel): boolean => LOG_LEVELS.indexOf(level) <= written;
  return {
    enabled,
    // Checked here too, as winston and pino do inside: a diagnostic asks no one first.
    write(level, message, fields) {
      if (enabled(level)) console[level](message, fields);
    },
  };
}
