import { createDiagnostics, type Diagnostics } from '../../../src/core/diagnostics.js';
import { guardStrategy } from '../../../src/guarded/guardStrategy.js';
import type { PipelineConfig } from '../../../src/pipeline/PipelineConfig.js';
import { noRetry } from '../../../src/policies/noRetry.js';
import { createRedactor } from '../../../src/redaction/Redactor.js';
import type { Transport } from '../../../src/transport/undiciTransport.js';
import { fakeClock } from '../../helpers/fakeClock.js';

/** A transport for suites that never send: reaching it is a test failure. */
const noNetwork: Transport = {
  send: () => Promise.reject(new Error('unit suites send nothing')),
  close: () => Promise.resolve(),
};

const silent: Diagnostics = createDiagnostics(() => undefined);

/**
 * The smallest PipelineConfig a unit suite needs, derived from `baseUrl` the way
 * resolveClientConfig derives it (origin, path without trailing slash, bare IPv6 host,
 * the scheme's default port), with no deadline, no retry, no auth and no observers.
 */
export function pipelineConfig(baseUrl: string | undefined, overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  const base = baseUrl === undefined ? undefined : new URL(baseUrl);
  const diagnostics = overrides.diagnostics ?? silent;
  return {
    name: 'upstream',
    baseOrigin: base?.origin,
    basePath: base === undefined ? '' : base.pathname.replace(/\/+$/, ''),
    baseHostname: base === undefined ? '' : base.hostname.replace(/^\[|\]$/g, ''),
    basePort: base === undefined ? 0 : base.port === '' ? (base.protocol === 'https:' ? 443 : 80) : Number(base.port),
    baseHeaders: {},
    timeoutMs: 0,
    attemptTimeoutMs: 0,
    maxRedirects: 0,
    maxJsonBytes: 1_000_000,
    retry: guardStrategy(noRetry(), diagnostics),
    auth: undefined,
    clock: fakeClock(),
    transport: noNetwork,
    redactor: createRedactor(),
    diagnostics,
    fanout: undefined,
    ...overrides,
  };
}
