/**
 * How a time budget is written in the headers services pass it in. One rule, used both to
 * read the incoming request's budget and to write the remaining one on outgoing calls, so
 * two faultline services agree:
 *
 * - `grpc-timeout`: gRPC's `<up to 8 digits><H|M|S|m|u|n>` (e.g. `250m`, `3S`);
 * - a name ending in `-ms` (Envoy's `x-envoy-expected-rq-timeout-ms`): milliseconds;
 * - any other name (`x-request-timeout`): seconds, decimals allowed (`0.3`).
 */

const GRPC_UNITS_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/** The budget in milliseconds, or undefined when the value is not one (absent, malformed, negative). */
export function parseBudget(header: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (header === 'grpc-timeout') {
    const match = /^(\d{1,8})([HMSmun])$/.exec(text);
    if (match === null) return undefined;
    return Number(match[1]) * GRPC_UNITS_MS[match[2]!]!;
  }
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const amount = Number(text);
  return header.endsWith('-ms') ? amount : amount * 1000;
}

/** The budget written for `header` (milliseconds rounded up, so a budget is never shortened to 0). */
export function formatBudget(header: string, ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  // gRPC allows 8 digits: beyond ~27 hours of milliseconds, whole seconds.
  if (header === 'grpc-timeout') return whole > 99_999_999 ? `${Math.ceil(whole / 1000)}S` : `${whole}m`;
  return header.endsWith('-ms') ? String(whole) : String(whole / 1000);
}
