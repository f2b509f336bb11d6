import type { LatencyObjective, UpstreamObjective } from '../config/sloSettings.js';
import type { FailureKind } from '../types/failure.js';
import type { YamlValue } from './toYaml.js';

/**
 * The failure kinds that spend an upstream's error budget: the upstream was unwell
 * (`server`, `timeout`, `network`, `invalid_response`), refused us (`throttled`), or
 * faultline refused the call on the upstream's behalf because it was failing or
 * saturated (`circuit_open`, `load_shed`). Leaving those two out would make a breaker or
 * a load shedder improve the objective exactly while callers get nothing. Not counted:
 * `client`, `unauthorized`, `forbidden` (the request or our credentials are wrong, not
 * the upstream) and `cancelled` (our caller gave up).
 */
export const SLO_FAILURE_KINDS: readonly FailureKind[] = [
  'server',
  'timeout',
  'network',
  'invalid_response',
  'throttled',
  'circuit_open',
  'load_shed',
];

/** The windows the burn-rate alerts read, shortest first. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
type Window = (typeof SLO_WINDOWS)[number];

/** One multi-window alert of the SRE workbook (chapter 5), for a 30-day budget. */
export interface BurnAlert {
  readonly severity: 'page' | 'ticket';
  /** Both windows must burn faster than this many times the sustainable rate. */
  readonly burnRate: number;
  readonly long: Window;
  readonly short: Window;
  /** How long the condition holds before the alert fires: one bad evaluation does not page. */
  readonly for: string;
  /** The share of a 30-day budget spent by the time the long window alone would fire. */
  readonly budgetSpent: string;
}

/** The workbook's four pairs: 2% and 5% of the budget page, 10% and 100% open a ticket. */
export const BURN_ALERTS: readonly BurnAlert[] = [
  { severity: 'page', burnRate: 14.4, long: '1h', short: '5m', for: '2m', budgetSpent: '2%' },
  { severity: 'page', burnRate: 6, long: '6h', short: '30m', for: '15m', budgetSpent: '5%' },
  { severity: 'ticket', burnRate: 3, long: '1d', short: '2h', for: '1h', budgetSpent: '10%' },
  { severity: 'ticket', burnRate: 1, long: '3d', short: '6h', for: '3h', budgetSpent: '10%' },
];

/** The objectives to write rules for. */
export interface SloObjectives {
  /** Every upstream without one of its own; absent: only `perUpstream`. */
  readonly objective?: number;
  readonly perUpstream?: readonly UpstreamObjective[];
  /** A latency objective of every upstream; its threshold must be a bucket boundary. */
  readonly latency?: LatencyObjective;
}

const UPSTREAM = 'faultline_upstream';
const BY = `sum by (${UPSTREAM})`;
/** Attempts of faultline's own (another instrumentation's points have no upstream). */
const ATTEMPTS = `http_client_request_duration_count{${UPSTREAM}!=""}`;

export const RECORD = {
  calls: (w: Window) => `${UPSTREAM}:faultline_calls:rate${w}`,
  errorRatio: (w: Window) => `${UPSTREAM}:faultline_slo_error_ratio:rate${w}`,
  burnRate: (w: Window) => `${UPSTREAM}:faultline_slo_burn_rate:rate${w}`,
  objective: `${UPSTREAM}:faultline_slo_objective:ratio`,
  budgetRemaining: `${UPSTREAM}:faultline_slo_error_budget_remaining:ratio30d`,
  slowRatio: (w: Window) => `${UPSTREAM}:faultline_slo_latency_error_ratio:rate${w}`,
  slowBurnRate: (w: Window) => `${UPSTREAM}:faultline_slo_latency_burn_rate:rate${w}`,
} as const;

/** The latency alert's name. */
export const LATENCY_ALERT_NAME = 'FaultlineLatencyBudgetBurn';

/** The alert's name; its `severity` label says page or ticket. */
export const BURN_ALERT_NAME = 'FaultlineErrorBudgetBurn';

/**
 * Prometheus recording and alerting rules for the availability objective of each
 * upstream: availability is 1 − failures / calls, from `faultline_failures_total` (the
 * kinds of {@link SLO_FAILURE_KINDS}) over calls (attempts from the duration histogram's
 * count, less retries and hedges). Recording rules per window, then the burn rate against
 * each upstream's objective, then the workbook's multi-window multi-burn-rate alerts
 * (as Sloth and Pyrra write them for services), in one group so each evaluation reads
 * the rules before it at the same instant.
 *
 * @example
 * ```ts
 * toYaml(sloRules({ objective: 0.999, perUpstream: [{ upstream: 'payments', objective: 0.9995 }] }));
 * ```
 */
export function sloRules(objectives: SloObjectives): YamlValue {
  const rules: YamlValue[] = [];
  // The objective as a series per upstream with calls in the longest window, so every
  // later rule joins on it and the dashboard can show it. One rule, so no two rules
  // record the same series.
  const named = objectives.perUpstream ?? [];
  const terms = named.map(
    ({ upstream, objective }) => `0 * ${RECORD.calls('3d')}{${UPSTREAM}=${JSON.stringify(upstream)}} + ${objective}`,
  );
  if (objectives.objective !== undefined) {
    const others = named.map(({ upstream }) => `${UPSTREAM}!=${JSON.stringify(upstream)}`).join(', ');
    terms.push(`0 * ${RECORD.calls('3d')}${others === '' ? '' : `{${others}}`} + ${objectives.objective}`);
  }
  if (terms.length > 0) {
    for (const w of SLO_WINDOWS) {
      const attempts = `${BY} (rate(${ATTEMPTS}[${w}]))`;
      // A counter with no series yet (no retry ever) must count as 0, not drop the upstream.
      const orNone = (metric: string) => `(${BY} (rate(${metric}[${w}])) or 0 * ${attempts})`;
      rules.push({
        record: RECORD.calls(w),
        expr: `${attempts}\n- ${orNone('faultline_retries_total')}\n- ${orNone('faultline_hedges_total')}\n`,
      });
    }
    const kinds = `faultline_failure_kind=~"${SLO_FAILURE_KINDS.join('|')}"`;
    for (const w of SLO_WINDOWS) {
      rules.push({
        record: RECORD.errorRatio(w),
        // No calls in the window: no ratio (rather than 0/0), so averages skip idle time.
        expr: `(${BY} (rate(faultline_failures_total{${kinds}}[${w}])) or 0 * ${RECORD.calls(w)})\n/ (${RECORD.calls(w)} > 0)\n`,
      });
    }
    rules.push({ record: RECORD.objective, expr: `${terms.join('\nor ')}\n` });
    const budget = `on (${UPSTREAM}) (1 - ${RECORD.objective})`;
    for (const w of SLO_WINDOWS) {
      rules.push({ record: RECORD.burnRate(w), expr: `${RECORD.errorRatio(w)}\n/ ${budget}\n` });
    }
    rules.push({
      record: RECORD.budgetRemaining,
      expr: `1 - avg_over_time(${RECORD.errorRatio('5m')}[30d])\n/ ${budget}\n`,
    });
    rules.push(
      ...burnAlerts(
        BURN_ALERT_NAME,
        RECORD.burnRate,
        'Calls to',
        'fail',
        `Failures counted: ${SLO_FAILURE_KINDS.join(', ')}. See the 'Failed calls by kind' panel for which.`,
      ),
    );
  }
  if (objectives.latency !== undefined) rules.push(...latencyRules(objectives.latency));
  return { groups: [{ name: 'faultline-slo', rules }] };
}

/**
 * The latency objective's rules: the share of attempts (failed ones included: a timeout is
 * slow) slower than the threshold, from the histogram bucket at the threshold, per window;
 * its burn rate; the same four alerts.
 */
function latencyRules({ thresholdSeconds, objective }: LatencyObjective): YamlValue[] {
  const rules: YamlValue[] = [];
  // The exporter writes `0.25` and `1`; Prometheus 3 may normalise `1` to `1.0`.
  const bound = String(thresholdSeconds).replaceAll('.', '\\\\.');
  const le = `le=~"${bound}${Number.isInteger(thresholdSeconds) ? '(\\\\.0*)?' : '0*'}"`;
  for (const w of SLO_WINDOWS) {
    const all = `${BY} (rate(${ATTEMPTS}[${w}]))`;
    rules.push({
      record: RECORD.slowRatio(w),
      expr: `1 - ${BY} (rate(http_client_request_duration_bucket{${UPSTREAM}!="", ${le}}[${w}]))\n/ (${all} > 0)\n`,
    });
  }
  const budget = Number((1 - objective).toPrecision(12));
  for (const w of SLO_WINDOWS)
    rules.push({ record: RECORD.slowBurnRate(w), expr: `${RECORD.slowRatio(w)} / ${budget}` });
  const ms = Number((thresholdSeconds * 1000).toPrecision(12));
  rules.push(
    ...burnAlerts(
      LATENCY_ALERT_NAME,
      RECORD.slowBurnRate,
      'Attempts to',
      `take over ${ms} ms`,
      `Objective: ${objective} of attempts within ${ms} ms. See the 'Latency percentiles' panel.`,
    ),
  );
  return rules;
}

/** The workbook's four alerts on one family of burn-rate series. */
function burnAlerts(
  name: string,
  burnRate: (w: Window) => string,
  subject: string,
  verb: string,
  more: string,
): YamlValue[] {
  return BURN_ALERTS.map((alert) => ({
    alert: name,
    expr: `${burnRate(alert.long)} > ${alert.burnRate}\nand on (${UPSTREAM})\n${burnRate(alert.short)} > ${alert.burnRate}\n`,
    for: alert.for,
    labels: { severity: alert.severity, long_window: alert.long, short_window: alert.short },
    annotations: {
      summary: `{{ $labels.${UPSTREAM} }}: error budget burning ${alert.burnRate}× too fast (${alert.long} and ${alert.short})`,
      description:
        `${subject} {{ $labels.${UPSTREAM} }} ${verb} {{ $value | printf "%.1f" }} times as often as the objective allows over ${alert.long}, ` +
        `and still over ${alert.short}: at this rate ${alert.budgetSpent} of the 30-day error budget goes in ${alert.long}. ${more}`,
    },
  }));
}
