/** Where faultline reports its own trouble: a user hook that threw, a signal that failed. */
export interface Diagnostics {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Reports nothing. */
export const silentDiagnostics: Diagnostics = { warn: () => {} };

/** Removes secrets from a text before it is reported. */
export type Scrub = (text: string) => string;

/**
 * Calls user code (a hook, strategy, observer) so that its failure never reaches the
 * request: the error is reported through diagnostics and `fallback` is returned.
 */
export function guard<T>(diagnostics: Diagnostics, what: string, fn: () => T, fallback: T, scrub?: Scrub): T {
  try {
    return fn();
  } catch (error) {
    report(diagnostics, what, error, scrub);
    return fallback;
  }
}

/**
 * Runs `fn` inside a scope that `enter` sets up (a context, a suppression). If entering
 * fails before `fn` runs, the failure is reported and `fn` runs without the scope; an
 * error of `fn` itself is the caller's own and propagates.
 */
export function enterGuarded<T>(diagnostics: Diagnostics, what: string, enter: (inner: () => T) => T, fn: () => T): T {
  let entered = false;
  try {
    return enter(() => {
      entered = true;
      return fn();
    });
  } catch (error) {
    if (entered) throw error;
    report(diagnostics, what, error);
    return fn();
  }
}

// A hook that throws on every request must not turn into a log line per request.
const REPORT_INTERVAL_MS = 10_000;
const lastReported = new Map<string, { at: number; held: number }>();

/**
 * Reports a failure of user or signal code, at most once per 10 s for each `what` (the
 * next report says how many were held back). A throwing logger is ignored.
 */
export function report(diagnostics: Diagnostics, what: string, error: unknown, scrub?: Scrub): void {
  const now = Date.now();
  const last = lastReported.get(what);
  if (last !== undefined && now - last.at < REPORT_INTERVAL_MS) {
    last.held++;
    return;
  }
  if (lastReported.size > 1000) lastReported.clear();
  lastReported.set(what, { at: now, held: 0 });
  try {
    const described = describeError(error);
    const meta: Record<string, unknown> = {
      error: scrub === undefined ? described : scrub(described),
    };
    if (last !== undefined && last.held > 0) meta['faultline.reports_held_back'] = last.held;
    diagnostics.warn(`faultline: ${what} failed; the request goes on`, meta);
  } catch {
    // The logger itself failed: nowhere left to report.
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

/**
 * Waits for a user promise, but no longer than the signal allows. A hook that never
 * settles cannot hold a request past its deadline.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** True for objects with a callable `then`. */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
