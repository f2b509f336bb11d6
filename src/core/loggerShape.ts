/**
 * How a logger is called, told by its shape: winston has `log` and `isLevelEnabled`, pino
 * has `isLevelEnabled` and a method per level but no `log`, `console` has a method per level
 * and no level check. Decided once per client: the option check and the writer agree.
 */
export type LoggerShape = 'winston' | 'pino' | 'console';

/** The methods a pino or console logger has for the levels faultline writes at. */
export const LEVEL_METHODS = ['error', 'warn', 'info', 'debug'] as const;

/** What the `logger` option accepts, as a ConfigError says it. */
export const LOGGER_ACCEPTED =
  'a winston logger (log, isLevelEnabled), a pino logger (isLevelEnabled, error, warn, info, debug) or console (error, warn, info, debug)';

/**
 * The shape of the object whose members `read` gives (read once each), or undefined when it
 * is none of them. `read` may throw: an option check turns a throwing getter into its error.
 */
export function loggerShapeOf(read: (name: string) => unknown): LoggerShape | undefined {
  const levelCheck = typeof read('isLevelEnabled') === 'function';
  if (levelCheck && typeof read('log') === 'function') return 'winston';
  if (!LEVEL_METHODS.every((level) => typeof read(level) === 'function')) return undefined;
  return levelCheck ? 'pino' : 'console';
}
