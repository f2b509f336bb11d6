import type { Diagnostics } from '../core/diagnostics.js';
import type { GuardedAuth } from '../guarded/guardAuth.js';
import type { GuardedFallback } from '../guarded/guardFallback.js';
import type { GuardedStrategy } from '../guarded/guardStrategy.js';
import type { ObserverFanout } from '../guarded/observerFanout.js';
import type { ThrottleGate } from '../policies/throttleGate.js';
import type { Redactor } from '../redaction/Redactor.js';
import type { Transport } from '../transport/undiciTransport.js';
import type { Clock } from '../types/client.js';
import type { HedgePolicy } from '../types/hedge.js';

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
  /** The client's strategy, already guarded. */
  readonly retry: GuardedStrategy;
  /** The client's hedging; none when off. */
  readonly hedge?: HedgePolicy | undefined;
  /** The client's auth, already guarded. */
  readonly auth: GuardedAuth | undefined;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly redactor: Redactor;
  readonly diagnostics: Diagnostics;
  /** Holds back calls to an upstream that asked to wait (Retry-After); none in bare unit setups. */
  readonly throttle?: ThrottleGate | undefined;
  /** The client's fallback, already guarded; none by default. */
  readonly fallback?: GuardedFallback | undefined;
  /** The observers as one guarded fan-out; undefined when there are none. */
  readonly fanout: ObserverFanout | undefined;
}
