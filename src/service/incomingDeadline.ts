import { parseBudget } from '../core/budgetHeader.js';
import type { CallerDeadline } from '../core/callerDeadline.js';
import { ConfigError } from '../errors/ConfigError.js';
import { DEFAULT_DEADLINE_HEADERS, type DeadlineOptions } from './DeadlineOptions.js';

/** Reads one request header (lower-case name); frameworks differ in how. */
export type HeaderReader = (name: string) => string | undefined;

/** The options checked once, when the middleware is built. */
export interface DeadlinePlan {
  readonly headers: readonly string[];
  readonly defaultMs: number | undefined;
  readonly maxMs: number | undefined;
  readonly propagate: string | undefined;
}

/** Validates the options; a bad one is a ConfigError at start-up, not a surprise per request. */
export function planDeadlines(options: DeadlineOptions = {}): DeadlinePlan {
  const headers = (
    typeof options.header === 'string' ? [options.header] : (options.header ?? DEFAULT_DEADLINE_HEADERS)
  ).map((name) => name.toLowerCase());
  for (const [name, value] of [
    ['defaultMs', options.defaultMs],
    ['maxMs', options.maxMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new ConfigError(`deadlines.${name}`, value, 'is not a positive number', 'milliseconds greater than 0');
  }
  return {
    headers,
    defaultMs: options.defaultMs,
    maxMs: options.maxMs,
    propagate: options.propagate?.toLowerCase(),
  };
}

/**
 * The incoming request's deadline: its budget (none: `expiresAt` is Infinity) and the
 * signal of the caller going away.
 */
export function incomingDeadline(
  plan: DeadlinePlan,
  readHeader: HeaderReader,
  signal: AbortSignal | undefined,
): CallerDeadline {
  let budget: number | undefined;
  for (const header of plan.headers) {
    budget = parseBudget(header, readHeader(header));
    if (budget !== undefined) break;
  }
  budget ??= plan.defaultMs ?? Number.POSITIVE_INFINITY;
  if (plan.maxMs !== undefined && budget !== Number.POSITIVE_INFINITY) budget = Math.min(budget, plan.maxMs);
  return { expiresAt: performance.now() + budget, signal, propagateHeader: plan.propagate };
}
