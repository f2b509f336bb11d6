import { FAILURE_KINDS, isFailureKind } from '../core/failureKinds.js';
import { MAX_TIMER_MS } from '../core/timerCeiling.js';
import { ConfigError } from '../errors/ConfigError.js';
import { checkHeaders } from './checkHeaders.js';

/**
 * Checks one option's value (never `undefined`: an option left out is not checked) and
 * throws a {@link ConfigError} naming `option` when it is wrong. Returns nothing and
 * allocates nothing for a good value: per-call options are checked on the hot path.
 */
export type Check = (value: unknown, option: string) => void;

/**
 * The value as a ConfigError shows it: a primitive as it is, anything else by its type
 * (an object's `String()` says nothing, and a function's would print its source).
 */
export function shown(value: unknown): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return `${value}n`;
  return value;
}

/** Like {@link shown}, for values that may carry a secret: a string is shown by its type only. */
export function hidden(value: unknown): unknown {
  return typeof value === 'string' ? 'a string' : shown(value);
}

/** A number of milliseconds from 0 to the timer ceiling (fractions allowed; 0 usually disables). */
export const milliseconds: Check = (value, option) => {
  if (typeof value === 'number' && value >= 0 && value <= MAX_TIMER_MS) return;
  throw new ConfigError(
    option,
    shown(value),
    typeof value === 'number' && !Number.isNaN(value) ? 'is out of range' : 'is not a number',
    `a number of milliseconds from 0 to ${MAX_TIMER_MS} (0 turns the deadline off)`,
  );
};

/** A whole number from 0 to `max`, counting `unit`. */
export function wholeNumber(unit: string, max = Number.MAX_SAFE_INTEGER): Check {
  return (value, option) => {
    if (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max) return;
    throw new ConfigError(
      option,
      shown(value),
      typeof value === 'number' ? 'is not a whole number in range' : 'is not a number',
      `a whole number of ${unit} from 0 to ${max}`,
    );
  };
}

export const boolean: Check = (value, option) => {
  if (typeof value !== 'boolean') throw new ConfigError(option, shown(value), 'is not a boolean', 'true or false');
};

/** A non-empty string. */
export const text: Check = (value, option) => {
  if (typeof value === 'string' && value.trim() !== '') return;
  throw new ConfigError(option, shown(value), 'is not a non-empty string', 'a non-empty string');
};

/** One of a few strings. */
export function oneOf(...accepted: readonly string[]): Check {
  return (value, option) => {
    if (typeof value !== 'string' || !accepted.includes(value))
      throw new ConfigError(option, shown(value), 'is not accepted', `one of ${accepted.join(', ')}`);
  };
}

/** `false`, or what `check` accepts. */
export function orFalse(check: Check): Check {
  return (value, option) => {
    if (value !== false) check(value, option);
  };
}

/** A list whose every item `item` accepts (items named `option[i]`). */
export function listOf(item: Check, accepted: string): Check {
  return (value, option) => {
    if (!Array.isArray(value)) throw new ConfigError(option, shown(value), 'is not a list', accepted);
    for (let i = 0; i < value.length; i++) item(value[i], `${option}[${i}]`);
  };
}

/**
 * An object whose named members `members` check (each only when present); members not
 * named are left alone. A member whose getter throws is a ConfigError too.
 */
export function group(members: Readonly<Record<string, Check>>, accepted: string): Check {
  const entries = Object.entries(members);
  return (value, option) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ConfigError(option, shown(value), 'is not an object', accepted);
    for (const [key, check] of entries) {
      const member = readMember(value, key, `${option}.${key}`);
      if (member !== undefined) check(member, `${option}.${key}`);
    }
  };
}

/**
 * An object (or function) with the methods `required`, and the methods `optional` when
 * present: what a strategy, an auth strategy, a clock, a logger or a dispatcher must be.
 */
export function shaped(required: readonly string[], optional: readonly string[], accepted: string): Check {
  return (value, option) => {
    // A string where an object belongs may well be a credential: shown by its type only.
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
      throw new ConfigError(option, hidden(value), 'is not an object', accepted);
    for (const name of required) {
      const member = readMember(value, name, `${option}.${name}`);
      if (typeof member !== 'function')
        throw new ConfigError(option, hidden(value), `has no function ${name}`, accepted);
    }
    for (const name of optional) {
      const member = readMember(value, name, `${option}.${name}`);
      if (member !== undefined && typeof member !== 'function')
        throw new ConfigError(option, hidden(value), `has a ${name} that is not a function`, accepted);
    }
  };
}

/** A member of a user's object, read once; a throwing getter is the option's fault. */
export function readMember(value: object, key: string, option: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    throw new ConfigError(option, 'a getter', 'could not be read (its getter threw)', 'a plain value');
  }
}

/** A list of failure kinds. */
export const failureKinds: Check = (value, option) => {
  if (Array.isArray(value) && value.every(isFailureKind)) return;
  throw new ConfigError(
    option,
    Array.isArray(value) ? String(value.find((kind) => !isFailureKind(kind))) : shown(value),
    Array.isArray(value) ? 'is not a failure kind' : 'is not a list of failure kinds',
    `a list of ${FAILURE_KINDS.join(', ')}`,
  );
};

/** Headers as undici would take them: token names, values without CR, LF, NUL or other controls. */
export const headers: Check = (value, option) => checkHeaders(value, option);
