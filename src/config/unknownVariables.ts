import { editDistance } from '../core/editDistance.js';
import { FAULTLINE_VARIABLES } from './envConfig.js';

/** A variable in the environment that looks like faultline's but is not read. */
export interface UnknownVariable {
  /** The name as set, e.g. `FAULTLINE_TIMEOUT`. */
  readonly name: string;
  /** The nearest variable faultline reads, when one is near enough to be a slip. */
  readonly suggestion?: string;
  /** One sentence for a person, e.g. `FAULTLINE_TIMEOUT is not a faultline variable; did you mean FAULTLINE_TIMEOUT_MS?` */
  readonly message: string;
}

const PREFIX = 'FAULTLINE_';

/**
 * The `FAULTLINE_*` names in `env` that faultline does not read (a misspelt variable is
 * silently ignored otherwise), each with the nearest known name by edit distance. Names
 * within two edits of a known one are included whatever their prefix (`FAULTLNE_TIMEOUT_MS`,
 * `faultline_timeout_ms`), since the environment is case-sensitive.
 *
 * @example
 * ```ts
 * unknownVariables({ FAULTLINE_TIMEOUT: '5000' })[0]?.message;
 * // 'FAULTLINE_TIMEOUT is not a faultline variable; did you mean FAULTLINE_TIMEOUT_MS?'
 * ```
 */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): UnknownVariable[] {
  const known = Object.keys(FAULTLINE_VARIABLES);
  const found: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (Object.hasOwn(FAULTLINE_VARIABLES, name)) continue;
    const upper = name.toUpperCase();
    const nearest = nearestOf(upper, known);
    const slip = nearest !== undefined && nearest.distance <= 2;
    if (!upper.startsWith(PREFIX) && !slip) continue;
    const suggestion = nearest !== undefined && isNearEnough(upper, nearest) ? nearest.name : undefined;
    found.push({
      name,
      ...(suggestion === undefined ? {} : { suggestion }),
      message: `${name} is not a faultline variable${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`,
    });
  }
  return found;
}

interface Nearest {
  readonly name: string;
  readonly distance: number;
}

function nearestOf(name: string, candidates: readonly string[]): Nearest | undefined {
  let best: Nearest | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  return best;
}

/**
 * Near enough to suggest: the part after the prefix (which every name shares) differs by
 * at most two edits or 40% of its length, so `TIMEOUT` suggests `TIMEOUT_MS` but `FOO`
 * suggests nothing.
 */
function isNearEnough(name: string, nearest: Nearest): boolean {
  const length = Math.max(name.length, nearest.name.length) - PREFIX.length;
  return nearest.distance <= Math.max(2, Math.floor(length * 0.4));
}
