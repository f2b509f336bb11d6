/** The loggers faultline writes to as they are given: winston, pino and console. */

/** A line's fields: OpenTelemetry attribute names (and `trace_id`, `span_id`...) to values. */
export type LogFields = Record<string, unknown>;

/**
 * A winston logger, or any with its `log` and `isLevelEnabled`: each line is one
 * `log({ level, message, ...fields })`, written when `isLevelEnabled(level)`.
 */
export interface WinstonStyleLogger {
  log(entry: { level: string; message: string; [field: string]: unknown }): unknown;
  isLevelEnabled(level: string): boolean;
}

/**
 * A pino logger, or any with its calls: each line is one `logger[level](fields, message)`
 * at level `error`, `warn`, `info` or `debug`, written when `isLevelEnabled(level)`.
 */
export interface PinoStyleLogger {
  isLevelEnabled(level: string): boolean;
  error(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
}

/**
 * `console`, or any with its calls: each line is one `console[level](message, fields)` at
 * level `error`, `warn`, `info` or `debug`, the fields as one object (Node prints it as
 * `util.inspect` does; runtimes that keep console arguments structured keep it as an
 * object). Having no level check of its own, it is given the environment's:
 * `FAULTLINE_LOG_LEVEL` / `LOG_LEVEL`, else info — so a success's debug line is written
 * only when asked for. (For JSON lines, leave `logger` out: the default writes them.)
 */
export interface ConsoleStyleLogger {
  error(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  debug(message: string, fields: LogFields): void;
}

/**
 * The loggers faultline writes to as they are given, told apart by shape once per client
 * (winston: `log` and `isLevelEnabled`; pino: `isLevelEnabled` without `log`; console:
 * neither). Every line has the same fields whichever it is, at `error`, `warn`, `info` or
 * `debug`. A logger that throws never changes a request's outcome.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, telemetry: { logger: pino() } });
 * createClient({ baseUrl, telemetry: { logger: winston.createLogger({ transports: [new winston.transports.Console()] }) } });
 * createClient({ baseUrl, telemetry: { logger: console } });
 * ```
 */
export type FaultlineLogger = WinstonStyleLogger | PinoStyleLogger | ConsoleStyleLogger;
