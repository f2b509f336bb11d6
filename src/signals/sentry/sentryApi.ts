/** The part of a Sentry scope faultline uses (the same in @sentry/core and @sentry/node). */
export interface SentryScopeLike {
  setTags(tags: Record<string, string | number | boolean>): unknown;
  setFingerprint(fingerprint: string[]): unknown;
  setLevel(level: 'error' | 'warning' | 'info'): unknown;
  setContext(name: string, context: Record<string, unknown> | null): unknown;
  addBreadcrumb(breadcrumb: SentryBreadcrumb, maxBreadcrumbs?: number): unknown;
}

export interface SentryBreadcrumb {
  type?: string;
  category?: string;
  level?: 'error' | 'warning' | 'info' | 'debug';
  message?: string;
  data?: Record<string, unknown>;
  timestamp?: number;
}

/** The part of a Sentry client faultline uses. */
export interface SentryClientLike {
  getOptions?(): { tracesSampleRate?: number | undefined; tracesSampler?: unknown };
  on?(hook: 'beforeAddBreadcrumb', callback: (breadcrumb: SentryBreadcrumb) => void): unknown;
}

/** The part of the Sentry SDK faultline uses; `@sentry/node` and `@sentry/core` both fit. */
export interface SentryApi {
  getClient(): SentryClientLike | undefined;
  withScope<T>(callback: (scope: SentryScopeLike) => T): T;
  captureException(exception: unknown): string;
  suppressTracing?<T>(callback: () => T): T;
  flush?(timeout?: number): PromiseLike<boolean>;
}

let explicit: SentryApi | undefined;
let found: Promise<SentryApi | undefined> | undefined;
let resolved: SentryApi | undefined;

/** init() hands over the SDK it started (or found), so no search is needed. */
export function useSentry(api: SentryApi | undefined): void {
  explicit = api;
  resolved = api;
}

/** The Sentry SDK if it is loaded already, without waiting. */
export function sentryNow(): SentryApi | undefined {
  return explicit ?? resolved;
}

/**
 * The application's Sentry SDK, when it has one, without importing @sentry/node anew:
 * only when Sentry's global carrier shows the SDK was loaded does faultline import it,
 * and then it is the module already in memory. Resolves undefined otherwise.
 */
export function findSentry(): Promise<SentryApi | undefined> {
  if (explicit !== undefined) return Promise.resolve(explicit);
  if (resolved !== undefined) return Promise.resolve(resolved);
  if (!('__SENTRY__' in globalThis)) return Promise.resolve(undefined);
  found ??= importSentry().then((api) => {
    resolved = api;
    return api;
  });
  return found;
}

async function importSentry(): Promise<SentryApi | undefined> {
  for (const id of ['@sentry/node', '@sentry/core']) {
    try {
      const module = (await import(id)) as SentryApi;
      if (typeof module.captureException === 'function' && typeof module.withScope === 'function') return module;
    } catch {
      // Not resolvable from here: try the next.
    }
  }
  return undefined;
}
