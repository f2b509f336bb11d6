import { createDiagnostics, type Diagnostics } from '../../../src/core/diagnostics.js';
import type { PipelineConfig } from '../../../src/pipeline/PipelineConfig.js';
import { resilienceBuilder } from '../../../src/client/resilienceBuilder.js';
import { createRedactor } from '../../../src/redaction/Redactor.js';
import type { Transport } from '../../../src/transport/undiciTransport.js';
import type { Policy } from '../../../src/types/policy.js';
import { fakeClock } from '../../helpers/fakeClock.js';

/** A transport for suites that never send: reaching it is a test failure. */
const noNetwork: Transport = {
  send: () => Promise.reject(new Error('unit suites send nothing')),
  close: () => Promise.resolve(),
};

const silent: Diagnostics = createDiagnostics(() => undefined);

/** What a suite may set: any field of the config, and the client's `resilience` list as policies. */
export type PipelineConfigOverrides = Partial<PipelineConfig> & {
  /** The client's list, built the way a client builds it (with the config's clock and diagnostics). */
  readonly policies?: readonly Policy[];
};

/**
 * The smallest PipelineConfig a unit suite needs, derived from `baseUrl` the way
 * resolveClientConfig derives it (origin, path without trailing slash, bare IPv6 host,
 * the scheme's default port), with no deadline, no policy (`resilience: []`: no retry),
 * no auth and no observers.
 */
export function pipelineConfig(baseUrl: string | undefined, overrides: PipelineConfigOverrides = {}): PipelineConfig {
  const { policies = [], ...fields } = overrides;
  const base = baseUrl === undefined ? undefined : new URL(baseUrl);
  const diagnostics = fields.diagnostics ?? silent;
  const clock = fields.clock ?? fakeClock();
  const name = fields.name ?? 'upstream';
  const resilienceFor = resilienceBuilder({ upstream: name, clock, diagnostics });
  return {
    name,
    baseOrigin: base?.origin,
    basePath: base === undefined ? '' : base.pathname.replace(/\/+$/, ''),
    baseHostname: base === undefined ? '' : base.hostname.replace(/^\[|\]$/g, ''),
    basePort: base === undefined ? 0 : base.port === '' ? (base.protocol === 'https:' ? 443 : 80) : Number(base.port),
    baseHeaders: {},
    timeoutMs: 0,
    attemptTimeoutMs: 0,
    maxRedirects: 0,
    maxJsonBytes: 1_000_000,
    resilience: resilienceFor(policies),
    resilienceFor,
    auth: undefined,
    clock,
    transport: noNetwork,
    redactor: createRedactor(),
    diagnostics,
    fanout: undefined,
    ...fields,
  };
}
