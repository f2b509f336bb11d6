/**
 * A configuration value is wrong. Names the environment variable or option, says what
 * is wrong with the value and what is accepted.
 *
 * @example
 * ```ts
 * // FAULTLINE_TIMEOUT_MS=soon
 * // ConfigError: FAULTLINE_TIMEOUT_MS="soon" is not a number; expected a whole number of milliseconds, 0 or more
 * ```
 */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
  /** The environment variable or option that is wrong, e.g. `FAULTLINE_TIMEOUT_MS`. */
  readonly variable: string;
  /** What is wrong with the value. */
  readonly problem: string;
  /** What is accepted. */
  readonly accepted: string;

  constructor(variable: string, value: unknown, problem: string, accepted: string) {
    super(`${variable}=${formatValue(value)} ${problem}; expected ${accepted}`);
    this.variable = variable;
    this.problem = problem;
    this.accepted = accepted;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  try {
    return String(value);
  } catch {
    return '(unprintable)';
  }
}
