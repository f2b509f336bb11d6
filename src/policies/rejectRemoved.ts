import { ConfigError } from '../errors/ConfigError.js';

/**
 * A policy option of 0.1 given to its 0.2 factory: from plain JavaScript it would be
 * ignored without a word (a breaker would run on the default break). A ConfigError names it
 * and what took its place.
 */
export function rejectRemoved(policy: string, options: object, removed: Readonly<Record<string, string>>): void {
  for (const key in removed) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    throw new ConfigError(
      `${policy}.${key}`,
      'given',
      'was removed in 0.2 (see the CHANGELOG: Migrating from 0.1)',
      removed[key] ?? '',
    );
  }
}
