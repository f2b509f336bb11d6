/**
 * Where faultline reports its own trouble — a user hook that threw, a signal that failed —
 * with a throttle of its own, so one client's noisy hook never silences another's warning.
 */
export interface Diagnostics {
  /**
   * Reports a failure of user or signal code, at most once per 10 s for each `what` (the
   * next report says how many were held back). Never throws.
   */
  report(what: string, error: unknown, scrub?: Scrub): void;
}

/** Removes secrets from a text before it is reported. */
export type Scrub = (text: string) => string;

/** Where a report goes: normally the client's logger at warn. */
export type DiagnosticsSink = (message: string, meta: Record<string, unknown>) => void;

// A hook that throws on every request must not turn into a log line per request.
const REPORT_INTERVAL_MS = 10_000;
const MAX_TRACKED = 1000;

/**
 * Diagnostics that write to `sink` (e.g. `logger.warn`), throttled per `what`. Every
 * error text passes `scrub` (a client gives its redactor's), after the scrub a report
 * brings of its own (the call's secret values), so no report repeats a secret.
 *
 * @param scrub - applied to every reported error text
 * @default scrub none
 * @example
 * ```ts
 * const diagnostics = createDiagnostics((message, meta) => logger.warn(message, meta), Date.now, redactor.text);
 * ```
 */
export function createDiagnostics(sink: DiagnosticsSink, now: () => number = Date.now, scrub?: Scrub): Diagnostics {
  const lastReported = new Map<string, { at: number; held: number }>();
  return {
    report(what, error, own) {
      const at = now();
      const last = lastReported.get(what);
      if (last !== undefined && at - last.at < REPORT_INTERVAL_MS) {
        last.held++;
        return;
      }
      if (lastReported.size > MAX_TRACKED) lastReported.clear();
      lastReported.set(what, { at, held: 0 });
      try {
        let described = describeError(error);
        if (own !== undefined) described = own(described);
        if (scrub !== undefined) described = scrub(described);
        const meta: Record<string, unknown> = { error: described };
        if (last !== undefined && last.held > 0) meta['faultline.reports_held_back'] = last.held;
        sink(`faultline: ${what} failed; the request goes on`, meta);
      } catch {
        // The sink itself failed: nowhere left to report.
      }
    },
  };
}

/** A logger-like object with `warn`, as `createSignalsObserver` took before diagnostics had a throttle. */
export interface DiagnosticsSinkLike {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** `Diagnostics` as they are, or a `{ warn }` object made into throttled diagnostics that `scrub`. */
export function asDiagnostics(given: Diagnostics | DiagnosticsSinkLike, scrub?: Scrub): Diagnostics {
  if (typeof (given as Diagnostics).report === 'function') return given as Diagnostics;
  const sink = given as DiagnosticsSinkLike;
  return createDiagnostics((message, meta) => sink.warn(message, meta), Date.now, scrub);
}

/**
 * For code that runs outside any client (a breaker not yet used by one, a logger's own
 * transport): reports as a Node process warning, which the application can hear with
 * `process.on('warning')`.
 */
export const processDiagnostics: Diagnostics = createDiagnostics((message, meta) =>
  process.emitWarning(`${message}: ${String(meta['error'])}`, { code: 'FAULTLINE' }),
);

/**
 * Calls code that must never break a request: its failure is reported and `fallback`
 * returned.
 */
export function guard<T>(diagnostics: Diagnostics, what: string, fn: () => T, fallback: T, scrub?: Scrub): T {
  try {
    return fn();
  } catch (error) {
    diagnostics.report(what, error, scrub);
    return fallback;
  }
}

/**
 * Runs `fn` inside a scope that `enter` sets up (a context, a suppression). If entering
 * fails before `fn` runs, the failure is reported and `fn` runs without the scope; if
 * leaving fails after `fn` returned, the failure is reported and `fn`'s result kept. An
 * error of `fn` itself is the caller's own and propagates.
 */
export function enterGuarded<T>(
  diagnostics: Diagnostics,
  what: string,
  enter: (inner: () => T) => T,
  fn: () => T,
  scrub?: Scrub,
): T {
  let state = 'before' as 'before' | 'running' | 'returned';
  let result: T | undefined;
  try {
    return enter(() => {
      state = 'running';
      result = fn();
      state = 'returned';
      return result;
    });
  } catch (error) {
    if (state === 'running') throw error;
    diagnostics.report(what, error, scrub);
    return state === 'returned' ? (result as T) : fn();
  }
}

function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
