import { lazyRequire } from '../core/lazyRequire.js';

/**
 * `@opentelemetry/api`, loaded when the first client is made rather than by
 * `import 'faultline'`. Every copy of the API shares one global registration, so this
 * copy sees the tracer and meter providers the application registered.
 */
export const otelApi = lazyRequire<typeof import('@opentelemetry/api')>('@opentelemetry/api');
