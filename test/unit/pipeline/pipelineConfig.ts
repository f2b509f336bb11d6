import { createDiagnostics, type Diagnostics } from '../../../src/core/diagnostics.js';
import type { PipelineConfig } from '../../../src/pipeline/PipelineConfig.js';
import { composePolicies } from '../../../src/policies/composePolicies.js';
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

/**
 * The smallest PipelineConfig a unit suite needs, derived from `baseUrl` the way
 * resolveClientConfig derives it (origin, path without trailing slash, bare IPv6 host,
 * the scheme's default port), with no deadline, no auth, no observers, and the policies
 * of `resilience` (none by default: no retry) built with the config's clock and diagnostics.
 * A copy of test/unit/helpers/pipelineConfig.ts (P2's) for the 0.2 policy list.
 */
export function pipelineConfig(
  baseUrl: string | undefined,
  overrides: Partial<PipelineConfig> = {},
  resilience: readonly Policy[] = [],
): PipelineConfig {
  const base = baseUrl === undefined ? undefined : new URL(baseUrl);
  const diagnostics = overrides.diagnostics ?? silent;
  const clock = overrides.clock ?? fakeClock();
  const name = overrides.name ?? 'upstream';
  const context = { upstream: name, clock, diagnostics };
  const built = new Map<readonly Policy[], PipelineConfig['resilience']>();
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
    resilience: composePolicies(resilience, context),
    resilienceFor(list) {
      let resilienceOf = built.get(list);
      if (resilienceOf === undefined) built.set(list, (resilienceOf = composePolicies(list, context)));
      return resilienceOf;
    },
    auth: undefined,
    clock,
    transport: noNetwork,
    redactor: createRedactor(),
    diagnostics,
    fanout: undefined,
    ...overrides,
  };
}
