import type { TraceIds } from '../logs/logSignal.js';

/** A Sentry event as faultline's event processor touches it. */
export interface SentryEventLike {
  fingerprint?: string[];
}

/** The part of a Sentry `Scope` faultline uses (the same in every @sentry/core since v8). */
export interface SentryScopeLike {
  setTags(tags: Record<string, string | number | boolean>): unknown;
  setFingerprint(fingerprint: string[]): unknown;
  setLevel(level: 'error' | 'warning' | 'info'): unknown;
  setContext(name: string, context: Record<string, unknown> | null): unknown;
  addBreadcrumb(breadcrumb: SentryBreadcrumb, maxBreadcrumbs?: number): unknown;
  addEventProcessor(processor: (event: SentryEventLike) => SentryEventLike | null): unknown;
  /** Captures on this scope's client; returns the event id at once. */
  captureException(exception: unknown): string;
  getClient(): SentryClientLike | undefined;
  getPropagationContext(): { traceId?: unknown; propagationSpanId?: unknown };
  clone(): SentryScopeLike;
  setSDKProcessingMetadata?(metadata: Record<string, unknown>): unknown;
  /** Where Sentry keeps the scope's active span (a WeakRef). */
  readonly refs?: Record<string, unknown>;
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
  getOptions?(): {
    tracesSampleRate?: number | undefined;
    tracesSampler?: unknown;
    maxBreadcrumbs?: number | undefined;
    beforeBreadcrumb?: ((breadcrumb: SentryBreadcrumb, hint?: unknown) => SentryBreadcrumb | null) | undefined;
  };
  /** Sentry's client hooks fire through it (`Client.emit`). */
  emit?(hook: 'beforeAddBreadcrumb', breadcrumb: SentryBreadcrumb, hint?: unknown): unknown;
  /** Sentry's client hooks (`Client.on` in @sentry/core); faultline redacts through three. */
  on?(hook: 'beforeAddBreadcrumb' | 'beforeSendEvent' | 'processSpan', callback: (value: unknown) => void): unknown;
  flush?(timeout?: number): PromiseLike<boolean>;
}

/** The application's Sentry as faultline uses it, read from Sentry's global carrier. */
export interface SentryApi {
  /** The client of the scope active here; undefined when none is set up. */
  getClient(): SentryClientLike | undefined;
  /** Runs `callback` with a scope forked from the active one (the scope of one event). */
  withScope<T>(callback: (scope: SentryScopeLike) => T): T;
  /**
   * A copy of the scope active here, for one event: what is set on it stays on it, whatever
   * async-context strategy (or none) Sentry runs with. `Scope.clone` is public API.
   */
  forkScope(): SentryScopeLike | undefined;
  /**
   * Adds a breadcrumb the way `Sentry.addBreadcrumb` does: the client's `beforeBreadcrumb`
   * and `beforeAddBreadcrumb` hooks (faultline's redaction among them), then the isolation scope.
   */
  addBreadcrumb(breadcrumb: SentryBreadcrumb): void;
  /**
   * The trace an event captured on `scope` carries when no trace context is set on it:
   * the scope's Sentry span, else the external (OpenTelemetry) context, else the scope's
   * propagation context (then with no span id: Sentry makes one up per event).
   */
  traceOf(scope?: SentryScopeLike): TraceIds | undefined;
  /** Runs `callback` with Sentry's own tracing suppressed. */
  suppressTracing<T>(callback: () => T): T;
  flush(timeout?: number): PromiseLike<boolean>;
}

/** What Sentry's async-context strategy offers (`setAsyncContextStrategy` in @sentry/core). */
interface AsyncContextStrategy {
  getCurrentScope(): unknown;
  getIsolationScope?(): unknown;
  withScope<T>(callback: (scope: SentryScopeLike) => T): T;
  suppressTracing?<T>(callback: () => T): T;
  getActiveSpan?(scope: SentryScopeLike): unknown;
}

/** One SDK version's slot in `globalThis.__SENTRY__` (see `getSentryCarrier` in @sentry/core). */
interface VersionCarrier {
  acs?: unknown;
  stack?: { getScope?: () => unknown };
  defaultCurrentScope?: unknown;
  defaultIsolationScope?: unknown;
  externalPropagationContextProvider?: () => unknown;
}

/** Sentry's `SUPPRESS_TRACING_KEY`, for strategies without a `suppressTracing` of their own. */
const SUPPRESS_TRACING_KEY = '__SENTRY_SUPPRESS_TRACING__';
const SCOPE_METHODS = [
  'setTags',
  'setFingerprint',
  'setLevel',
  'setContext',
  'addBreadcrumb',
  'addEventProcessor',
  'captureException',
  'getClient',
  'getPropagationContext',
  'clone',
] as const;

let explicit: SentryApi | undefined;
let cached: { key: string; carrier: VersionCarrier; api: SentryApi } | undefined;

/** init() hands over the Sentry it started or found; undefined goes back to looking. */
export function useSentry(api: SentryApi | undefined): void {
  explicit = api;
}

/**
 * The application's Sentry, when a client is set up in this process, found synchronously
 * in Sentry's global carrier (`globalThis.__SENTRY__`), whichever module system loaded
 * it: @sentry/node is never imported. Anything missing or foreign there means no Sentry.
 */
export function findSentry(): SentryApi | undefined {
  if (explicit !== undefined) return explicit;
  try {
    const root = (globalThis as { __SENTRY__?: unknown }).__SENTRY__;
    if (!isObject(root)) return undefined;
    // The slot found last time, while it still holds a client: the common case, kept cheap.
    if (cached !== undefined && root[cached.key] === cached.carrier && clientOf(cached.carrier) !== undefined)
      return cached.api;
    // The first SDK loaded names its version; another may be the one set up.
    const version = root['version'];
    const keys = typeof version === 'string' ? [version, ...Object.keys(root)] : Object.keys(root);
    for (const key of keys) {
      const carrier = root[key];
      if (key === 'version' || !isObject(carrier) || clientOf(carrier) === undefined) continue;
      cached = { key, carrier, api: carrierApi(carrier) };
      return cached.api;
    }
  } catch {
    // A foreign carrier: no Sentry.
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function strategyOf(carrier: VersionCarrier): AsyncContextStrategy | undefined {
  const acs = carrier.acs as Partial<AsyncContextStrategy> | undefined;
  return isObject(acs) && typeof acs.getCurrentScope === 'function' && typeof acs.withScope === 'function'
    ? (acs as AsyncContextStrategy)
    : undefined;
}

// The prototype of the last scope checked: a process runs one Sentry, whose scopes share one class.
let scopePrototype: object | undefined;

/** A Sentry `Scope` (its class checked once), or undefined. */
function asScope(value: unknown): SentryScopeLike | undefined {
  if (!isObject(value)) return undefined;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && prototype === scopePrototype) return value as unknown as SentryScopeLike;
  if (!SCOPE_METHODS.every((method) => typeof value[method] === 'function')) return undefined;
  if (prototype !== null) scopePrototype = prototype;
  return value as unknown as SentryScopeLike;
}

/** The scope active here: the strategy's, else the stack's, else the default one. */
function currentScope(carrier: VersionCarrier): SentryScopeLike | undefined {
  const acs = strategyOf(carrier);
  if (acs !== undefined) return asScope(acs.getCurrentScope());
  const stack = carrier.stack;
  if (isObject(stack) && typeof stack.getScope === 'function') return asScope(stack.getScope());
  return asScope(carrier.defaultCurrentScope);
}

/** Where Sentry keeps breadcrumbs since v8: the isolation scope (the request's, under a server integration). */
function isolationScope(carrier: VersionCarrier): SentryScopeLike | undefined {
  const acs = strategyOf(carrier);
  if (acs?.getIsolationScope !== undefined) return asScope(acs.getIsolationScope());
  const stack = carrier.stack as { getIsolationScope?: () => unknown } | undefined;
  if (isObject(stack) && typeof stack.getIsolationScope === 'function') return asScope(stack.getIsolationScope());
  return asScope(carrier.defaultIsolationScope);
}

function clientOf(carrier: VersionCarrier): SentryClientLike | undefined {
  const client = currentScope(carrier)?.getClient();
  return isObject(client) ? client : undefined;
}

function hexOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && !/^0+$/.test(value) ? value : undefined;
}

/** The ids of a span-like object, when valid. */
function idsOfSpan(span: unknown): TraceIds | undefined {
  if (!isObject(span) || typeof span['spanContext'] !== 'function') return undefined;
  const context = (span['spanContext'] as () => unknown)();
  if (!isObject(context)) return undefined;
  const traceId = hexOf(context['traceId']);
  const spanId = hexOf(context['spanId']);
  return traceId === undefined || spanId === undefined ? undefined : { traceId, spanId };
}

function carrierApi(carrier: VersionCarrier): SentryApi {
  return {
    getClient: () => clientOf(carrier),
    withScope(callback) {
      const acs = strategyOf(carrier);
      if (acs !== undefined) return acs.withScope(callback);
      // No strategy (only @sentry/core loaded): a copy of the scope serves one event.
      const scope = currentScope(carrier);
      if (scope === undefined) throw new Error('Sentry has no current scope');
      return callback(scope.clone());
    },
    forkScope: () => currentScope(carrier)?.clone(),
    addBreadcrumb(breadcrumb) {
      const client = clientOf(carrier);
      if (client === undefined) return;
      const { beforeBreadcrumb, maxBreadcrumbs = 100 } = client.getOptions?.() ?? {};
      if (maxBreadcrumbs <= 0) return;
      const final = beforeBreadcrumb === undefined ? breadcrumb : beforeBreadcrumb(breadcrumb);
      if (final === null) return;
      client.emit?.('beforeAddBreadcrumb', final);
      isolationScope(carrier)?.addBreadcrumb(final, maxBreadcrumbs);
    },
    traceOf(scope = currentScope(carrier)) {
      if (scope === undefined) return undefined;
      // The order Sentry's prepareEvent fills `contexts.trace` in.
      const acs = strategyOf(carrier);
      const ref = scope.refs?.['span'];
      const span =
        acs?.getActiveSpan !== undefined
          ? acs.getActiveSpan(scope)
          : isObject(ref) && typeof ref['deref'] === 'function'
            ? (ref['deref'] as () => unknown)()
            : ref;
      const fromSpan = idsOfSpan(span);
      if (fromSpan !== undefined) return fromSpan;
      const external = carrier.externalPropagationContextProvider?.();
      if (isObject(external)) {
        const traceId = hexOf(external['traceId']);
        const spanId = hexOf(external['spanId']);
        if (traceId !== undefined && spanId !== undefined) return { traceId, spanId };
      }
      const propagation = scope.getPropagationContext();
      const traceId = hexOf(propagation.traceId);
      if (traceId === undefined) return undefined;
      const spanId = hexOf(propagation.propagationSpanId);
      return spanId === undefined ? { traceId } : { traceId, spanId };
    },
    suppressTracing(callback) {
      const acs = strategyOf(carrier);
      if (acs === undefined) return callback();
      if (acs.suppressTracing !== undefined) return acs.suppressTracing(callback);
      // What @sentry/core's suppressTracing does for a strategy without its own.
      return acs.withScope((scope) => {
        scope.setSDKProcessingMetadata?.({ [SUPPRESS_TRACING_KEY]: true });
        return callback();
      });
    },
    flush(timeout) {
      const client = clientOf(carrier);
      return client?.flush === undefined ? Promise.resolve(false) : client.flush(timeout);
    },
  };
}
