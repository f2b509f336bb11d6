import { ConfigError } from '../errors/ConfigError.js';
import type { Env } from './envValue.js';

/** An availability objective for one upstream, e.g. `{ upstream: 'payments', objective: 0.9995 }`. */
export interface UpstreamObjective {
  /** The client's `name` (the `faultline.upstream` attribute). */
  readonly upstream: string;
  /** The share of calls that must not fail, strictly between 0 and 1. */
  readonly objective: number;
}

const ACCEPTED = 'a share strictly between 0 and 1 (0.999) or a percentage (99.9%)';

/**
 * Reads an objective as a share (`0.999`) or a percentage (`99.9%`). Rounded to 12
 * significant digits so `1 - objective` prints as the budget an operator wrote (0.001,
 * not 0.0010000000000000009).
 *
 * @throws {ConfigError} naming `variable` when `raw` is not an objective.
 */
export function parseObjective(variable: string, raw: string, shown: unknown = raw): number {
  const text = raw.trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  if (match === null) throw new ConfigError(variable, shown, 'is not an objective', ACCEPTED);
  const value = Number(match[1]) / (match[2] === '%' ? 100 : 1);
  if (!(value > 0 && value < 1)) throw new ConfigError(variable, shown, 'is out of range', ACCEPTED);
  return Number(value.toPrecision(12));
}

/** `FAULTLINE_SLO_OBJECTIVE`: the objective of every upstream without one of its own; absent is off. */
export function readSloObjective(env: Env): number | undefined {
  const raw = env['FAULTLINE_SLO_OBJECTIVE']?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'off') return undefined;
  return parseObjective('FAULTLINE_SLO_OBJECTIVE', raw, env['FAULTLINE_SLO_OBJECTIVE']);
}

/**
 * `FAULTLINE_SLO_OBJECTIVES`: per-upstream objectives, `payments=0.9995,search=99%`. The
 * last `=` of an item separates the upstream from its objective, so a name may hold `=`
 * (not a comma). An upstream named twice is refused rather than one of the two picked.
 *
 * @throws {ConfigError} naming `FAULTLINE_SLO_OBJECTIVES`.
 */
export function readSloObjectives(env: Env): readonly UpstreamObjective[] | undefined {
  const variable = 'FAULTLINE_SLO_OBJECTIVES';
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const accepted = `a comma list of upstream=objective, each objective ${ACCEPTED}`;
  const list: UpstreamObjective[] = [];
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const at = item.lastIndexOf('=');
    const upstream = at < 0 ? '' : item.slice(0, at).trim();
    if (upstream === '')
      throw new ConfigError(variable, env[variable], `has an item without an upstream "${item}"`, accepted);
    let objective: number;
    try {
      objective = parseObjective(variable, item.slice(at + 1));
    } catch {
      throw new ConfigError(variable, env[variable], `has an invalid objective for "${upstream}"`, accepted);
    }
    if (list.some((o) => o.upstream === upstream))
      throw new ConfigError(variable, env[variable], `names "${upstream}" twice`, accepted);
    list.push({ upstream, objective });
  }
  return list.length === 0 ? undefined : list;
}

/** A latency objective: `objective` of attempts take at most `thresholdSeconds`. */
export interface LatencyObjective {
  readonly thresholdSeconds: number;
  readonly objective: number;
}

/**
 * `FAULTLINE_SLO_LATENCY`: `250ms:0.99` (or `0.25s:99%`), a latency objective for every
 * upstream; absent is off. Not `@`: a value with `@` is shown masked in a ConfigError, as
 * a URL's userinfo would be. Which thresholds the histogram can answer is the CLI's to
 * check (the buckets belong to the metrics).
 *
 * @throws {ConfigError} naming `FAULTLINE_SLO_LATENCY`.
 */
export function readSloLatency(env: Env): LatencyObjective | undefined {
  const variable = 'FAULTLINE_SLO_LATENCY';
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'off') return undefined;
  const accepted = `a duration at or under which the objective's share of attempts end, e.g. 250ms:0.99 or 1s:99.5%`;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)\s*:\s*(\S+)$/.exec(raw);
  if (match === null) throw new ConfigError(variable, env[variable], 'is not a latency objective', accepted);
  const thresholdSeconds = Number((Number(match[1]) / (match[2] === 'ms' ? 1000 : 1)).toPrecision(12));
  if (!(thresholdSeconds > 0)) throw new ConfigError(variable, env[variable], 'has no duration', accepted);
  let objective: number;
  try {
    objective = parseObjective(variable, match[3] ?? '');
  } catch {
    throw new ConfigError(variable, env[variable], 'has an invalid objective', accepted);
  }
  return { thresholdSeconds, objective };
}
