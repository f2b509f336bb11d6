import { ConfigError } from '../errors/ConfigError.js';
import type { ClientOptions } from '../types/client.js';
import { CLIENT_OPTION_CHECKS, SIGNALS_LOGGER } from './clientOptionChecks.js';
import { MOVED_CLIENT_OPTIONS, rejectMoved } from './movedOptions.js';
import { readMember, shown } from './optionChecks.js';

const KEYS = Object.keys(CLIENT_OPTION_CHECKS) as (keyof ClientOptions)[];

/**
 * Checks every client option at once, before anything is built, and returns them read
 * once (a getter is not asked twice). Options faultline does not know are left out.
 *
 * @throws {ConfigError} naming the first wrong option; its message lists the others.
 */
export function checkClientOptions(options: unknown): ClientOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object')
    throw new ConfigError('options', shown(options), 'is not an object', 'an object of client options');
  rejectMoved(options, MOVED_CLIENT_OPTIONS);
  const checked: Record<string, unknown> = {};
  const problems: ConfigError[] = [];
  for (const key of KEYS) {
    try {
      const value = readMember(options, key, key);
      if (value === undefined) continue;
      CLIENT_OPTION_CHECKS[key](value, key);
      checked[key] = value;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  }
  // The one rule across options: the log signal writes through the logger's log().
  const telemetry = checked['telemetry'] as { logger?: unknown; enabled?: unknown } | undefined;
  if (telemetry?.logger !== undefined && telemetry.enabled !== false) {
    try {
      SIGNALS_LOGGER(telemetry.logger, 'telemetry.logger');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  }
  const [first, ...others] = problems;
  if (first !== undefined) throw new ConfigError(first.variable, first.value, first.problem, first.accepted, others);
  return checked as ClientOptions;
}
