import { lazyRequire } from '../core/lazyRequire.js';

/**
 * `@opentelemetry/api`, loaded when the first client is made rather than by
 * `import 'faultline'`. Every copy of the API shares one global registration, so this
 * copy sees the tracer and meter providers the application registered.
 */
export const otelApi = lazyRequire<typeof import('@opentelemetry/api')>('@opentelemetry/api');

/** Where every copy of API 1.x registers the app's providers (the API's own global key). */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

type ApiGlobal = { trace?: unknown; context?: unknown; propagation?: unknown; metrics?: unknown };

function apiGlobal(): ApiGlobal | undefined {
  return (globalThis as { [API_GLOBAL]?: ApiGlobal })[API_GLOBAL];
}

/**
 * True once the app has registered a tracer provider, context manager or propagator.
 * Until then every span is a no-op, the active context is always the root, and nothing
 * is injected: a call can skip all three. Read per attempt, as an SDK started after the
 * client counts from its next call.
 */
export function tracingRegistered(): boolean {
  const registered = apiGlobal();
  return (
    registered !== undefined &&
    (registered.trace !== undefined || registered.context !== undefined || registered.propagation !== undefined)
  );
}

/**
 * True once the app has registered a meter provider. Before that the API's meters are
 * no-ops for good (it hands out no proxy), so instruments are made only after it.
 */
export function metricsRegistered(): boolean {
  return apiGlobal()?.metrics !== undefined;
}
