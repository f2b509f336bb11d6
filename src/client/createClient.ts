import { createObserverFanout } from '../pipeline/observerFanout.js';
import { executeCall } from '../pipeline/executeCall.js';
import type { PipelineConfig } from '../pipeline/PipelineConfig.js';
import { defaultSignals } from './defaultSignals.js';
import type { Client, ClientOptions, RequestOptions } from '../types/client.js';
import { resolveClientConfig } from './resolveClientConfig.js';

/**
 * Creates a client for one upstream. Every call goes through the `resilience` policies,
 * is authenticated, classified, and told to the signals. Options left out come from the
 * environment (`FAULTLINE_*`), then from the defaults. The composition root: user code
 * (policies, auth, observers) is built and guarded here, once, so the pipeline never has to.
 *
 * @throws {ConfigError} for an invalid option or environment variable.
 * @example
 * ```ts
 * const payments = createClient({
 *   name: 'payments',
 *   baseUrl: 'https://payments.internal',
 *   timeout: { totalMs: 10_000, attemptMs: 3_000 },
 *   resilience: [retry({ maxAttempts: 4 }), retryBudget({ ratio: 0.1 }), circuitBreaker({ failureRatio: 0.2 })],
 *   auth: bearerToken({ getToken, refresh }),
 * });
 * const charge = await payments.json<Charge>('/v1/charges/42', { route: '/v1/charges/{id}' });
 * ```
 */
export function createClient(options: ClientOptions = {}): Client {
  const config = resolveClientConfig(options);
  const signals = options.telemetry?.enabled === false ? undefined : defaultSignals(options, config);
  const observers = signals === undefined ? [] : [signals];
  observers.push(...(options.telemetry?.observers ?? []));
  const pipeline: PipelineConfig = { ...config, fanout: createObserverFanout(observers, config.diagnostics, signals) };
  const send = (method: string) => (path: string | URL, init?: RequestOptions) =>
    executeCall(pipeline, method, path, init, 'response') as Promise<Response>;
  return {
    name: config.name,
    request: send(''),
    get: send('GET'),
    post: send('POST'),
    put: send('PUT'),
    patch: send('PATCH'),
    delete: send('DELETE'),
    head: send('HEAD'),
    json: <T>(path: string | URL, init?: RequestOptions) => executeCall(pipeline, '', path, init, 'json') as Promise<T>,
    // The connection FAULTLINE_REDIS_URL made is released too (closed by its last client).
    close: () => Promise.all([config.transport.close(), config.releaseShared?.()]).then(() => undefined),
  };
}
