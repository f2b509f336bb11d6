import { checkEnvConfig } from '../config/envConfig.js';
import { parseObjective } from '../config/sloSettings.js';
import { ConfigError } from '../errors/ConfigError.js';
import { DURATION_BUCKETS } from '../signals/metrics/metricSignal.js';
import { sloRules } from './sloRules.js';
import { toYaml } from './toYaml.js';

/** What `faultline slo` was asked for on its command line. */
export interface SloOptions {
  readonly json: boolean;
  /** `--objective`: over `FAULTLINE_SLO_OBJECTIVE`. */
  readonly objective?: string;
}

/** Where the command writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const HEADER = `# Prometheus rules written by \`faultline slo\`: per-upstream error-budget burn-rate
# alerts (SRE workbook, multi-window multi-burn-rate, 30-day budget). Load with rule_files.
`;

/**
 * `faultline slo`: prints the rules for the objectives of `FAULTLINE_SLO_OBJECTIVE` /
 * `FAULTLINE_SLO_OBJECTIVES` (or `--objective`). Exits 1 on a wrong value, naming the
 * variable, and when no objective is set (empty rules would alert on nothing, silently).
 */
export function sloCommand(env: Readonly<Record<string, string | undefined>>, options: SloOptions, io: Output): number {
  const checked = checkEnvConfig(env);
  const { config } = checked;
  const problems = [...checked.problems];
  let objective = config.sloObjective;
  if (options.objective !== undefined) {
    try {
      objective = parseObjective('--objective', options.objective);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  }
  const latency = config.sloLatency;
  // Only a bucket boundary can be read from the histogram: any other threshold would be
  // answered for the nearest bucket, silently.
  if (latency !== undefined && !DURATION_BUCKETS.includes(latency.thresholdSeconds)) {
    problems.push(
      new ConfigError(
        'FAULTLINE_SLO_LATENCY',
        env['FAULTLINE_SLO_LATENCY'],
        'has a threshold that is not a bucket of http.client.request.duration',
        `one of ${DURATION_BUCKETS.map((b) => `${Number((b * 1000).toPrecision(12))}ms`).join(', ')}`,
      ),
    );
  }
  // Only the variables the rules depend on stop them: a wrong proxy is `faultline check`'s.
  const relevant = problems.filter((p) => p.variable.startsWith('FAULTLINE_SLO_') || p.variable === '--objective');
  if (relevant.length > 0) {
    for (const p of relevant) io.err(`faultline slo: ${p.message}\n`);
    return 1;
  }
  const perUpstream = config.sloObjectives ?? [];
  if (objective === undefined && perUpstream.length === 0 && latency === undefined) {
    io.err(
      'faultline slo: no objective: set FAULTLINE_SLO_OBJECTIVE (e.g. 0.999), FAULTLINE_SLO_OBJECTIVES ' +
        '(e.g. payments=0.9995,search=0.99), FAULTLINE_SLO_LATENCY (e.g. 250ms:0.99) or pass --objective\n',
    );
    return 1;
  }
  const rules = sloRules({
    ...(objective === undefined ? {} : { objective }),
    perUpstream,
    ...(latency === undefined ? {} : { latency }),
  });
  io.out(options.json ? `${JSON.stringify(rules, null, 2)}\n` : HEADER + toYaml(rules));
  return 0;
}
