import { defaultRedactorOf } from '../redaction/Redactor.js';

/**
 * A configuration value is wrong. Names the environment variable or option, says what
 * is wrong with the value and what is accepted.
 *
 * @example
 * ```ts
 * // FAULTLINE_TIMEOUT_MS=soon
 * // ConfigError: FAULTLINE_TIMEOUT_MS="soon" is not a number; expected a whole number from 0 to 2147483647
 * ```
 *
 * When several values are wrong, the error names the first and its message lists the
 * others on the following lines; `others` holds them. A value that looks like a URL has
 * its userinfo and secret query values masked, in the message and in `value`, whoever
 * threw the error.
 */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
  /** The environment variable or option that is wrong, e.g. `FAULTLINE_TIMEOUT_MS`. */
  readonly variable: string;
  /** The wrong value, as the message shows it (a URL's password and secret query values masked). */
  readonly value: unknown;
  /** What is wrong with the value. */
  readonly problem: string;
  /** What is accepted. */
  readonly accepted: string;
  /**
   * The further wrong values found with this one, in the order they were read.
   * @default []
   */
  readonly others: readonly ConfigError[];

  constructor(
    variable: string,
    value: unknown,
    problem: string,
    accepted: string,
    others: readonly ConfigError[] = [],
  ) {
    const shown = masked(value);
    const first = `${variable}=${formatValue(shown)} ${problem}; expected ${accepted}`;
    super([first, ...others.map((other) => `also ${other.message}`)].join('\n'));
    this.variable = variable;
    this.value = shown;
    this.problem = problem;
    this.accepted = accepted;
    this.others = others;
  }
}

/** A string that could hold credentials (userinfo, a query) is shown as the redactor leaves a URL. */
function masked(value: unknown): unknown {
  if (typeof value !== 'string' || !/[@?#]/.test(value)) return value;
  // Already masked by the reader that threw (FAULTLINE_REDIS_URL writes `//****@`).
  if (/\/\/\*{4}@[^@?#]*$/.test(value)) return value;
  return defaultRedactorOf().url(value);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  try {
    return String(value);
  } catch {
    return '(unprintable)';
  }
}
