import type { Logger } from 'winston';
import type { EnvConfig } from '../config/envConfig.js';
import { createLogger } from './logs/createLogger.js';

let current: Logger | undefined;

/** init() installs the logger it built (or was given) for every client after it. */
export function useDefaultLogger(logger: Logger | undefined): void {
  current = logger;
}

/** The process-wide logger: init()'s, or one built from the environment on first need. */
export function defaultLogger(env: EnvConfig): Logger {
  current ??= createLogger({}, env);
  return current;
}
