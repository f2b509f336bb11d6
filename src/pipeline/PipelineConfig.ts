import type { Diagnostics } from '../core/diagnostics.js';
import type { GuardedAuth } from '../auth/guardAuth.js';
import type { ObserverFanout } from '../pipeline/observerFanout.js';
import type { Policy } from '../types/policy.js';
import type { Resilience } from '../policies/composePolicies.js';
import type { Redactor } from '../redaction/Redactor.js';
import type { Transport } from '../transport/undiciTransport.js';
import type { Clock } from '../types/client.js';

/** Everything the pipeline needs of its client, resolved once when the client is built. */
export interface PipelineConfig {
  readonly name: string;
  /** `https://host:port` of baseUrl, when there is one. */
  readonly baseOrigin: string | undefined;
  /** baseUrl's path without a trailing slash ('' for the root). */
  readonly basePath: string;
  /** baseUrl's host name ('' without baseUrl). */
  readonly baseHostname: string;
  /** baseUrl's port, the scheme's default when none is written (0 without baseUrl). */
  readonly basePort: number;
  readonly baseHeaders: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly maxRedirects: number;
  readonly maxJsonBytes: number;
  /** The client's policies, built and guarded. */
  readonly resilience: Resilience;
  /** A call's own list, built for this client (once per list: kept by identity). */
  resilienceFor(list: readonly Policy[]): Resilience;
  /** The client's auth, already guarded. */
  readonly auth: GuardedAuth | undefined;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly redactor: Redactor;
  readonly diagnostics: Diagnostics;
  /** The observers as one guarded fan-out; undefined when there are none. */
  readonly fanout: ObserverFanout | undefined;
}
