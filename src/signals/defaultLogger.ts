import type { EnvConfig } from '../config/envConfig.js';
import type { FaultlineLogger } from '../types/logger.js';
import { createLogger } from './logs/createLogger.js';

let current: FaultlineLogger | undefined;

/** init() installs the logger it built (or was given) for every client after it. */
export function useDefaultLogger(logger: FaultlineLogger | undefined): void {
  current = logger;
}

/** The process-wide logger: init()'s, or one built from the environment on first need. */
export function defaultLogger(env: EnvConfig): FaultlineLogger {
  current ??= createLogger({}, env);
  return current;
}
