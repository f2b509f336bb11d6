import type { Failure, FailureKind } from '../../types/failure.js';
import {
  type FailedAttempt,
  type Policy,
  type PolicyHooks,
  type StoreRequest,
  UNDECIDED,
  type Verdict,
} from '../../types/policy.js';
import { memoryStore, type StateStore } from '../stateStore.js';
import { emptyCounts, slideCounts, type SlidingCounts, sumOf } from '../slidingCounts.js';
import {
  type AdaptiveThrottleOptions,
  type AdaptiveThrottleRecovery,
  resolveAdaptiveThrottleOptions,
} from './AdaptiveThrottleOptions.js';

export type { AdaptiveThrottleOptions, AdaptiveThrottleRecovery };

/** Failure code of a call refused locally by {@link adaptiveThrottle} (kind `load_shed`). */
export const ADAPTIVE_THROTTLE = 'ADAPTIVE_THROTTLE';

/**
 * The counts of one upstream (or route): requests (local refusals included), the requests
 * sent (that the upstream answered, accepting or rejecting them), and accepts.
 */
export type AdaptiveRecord = SlidingCounts<'requests' | 'accepts' | 'sent'>;

/** An adaptive throttle, which also says how likely it is to refuse a request now. */
export interface AdaptiveThrottlePolicy extends Policy {
  /**
   * The probability a request to `upstream` (and `route`, with `perRoute`) is refused
   * locally now, from this client's counts and, with shared state, the fleet's.
   */
  rejectionProbability(upstream: string, route?: string): number;
}

const BUCKETS = 10;
const FIELDS = ['requests', 'accepts', 'sent'] as const;

/**
 * The SRE book's rejection probability: `max(0, (requests − k·accepts) / (requests + 1))`.
 * Given `sent` (recovery `'accepting'`), 0 while the sent requests are accepted at least
 * `1/k` of the time (`k·accepts ≥ sent`, none sent included): local refusals then stop
 * counting, so an upstream that heals is not refused for the outage's refusals.
 */
export function rejectionProbability(requests: number, accepts: number, k: number, sent?: number): number {
  if (sent !== undefined && k * accepts >= sent) return 0;
  return Math.max(0, (requests - k * accepts) / (requests + 1));
}

/**
 * Client-side adaptive throttling (Google SRE book, "Handling Overload"): per upstream,
 * requests and the upstream's accepts are counted over a sliding window, and a request is
 * refused locally, unsent, with probability `max(0, (requests − k·accepts) / (requests + 1))`.
 * An upstream rejecting most requests for overload then receives about `k` times what it
 * accepts instead of everything; the refusals count as requests, so the less it accepts
 * the fewer are sent — with `recovery: 'accepting'` (the default) only while the sent
 * requests are accepted less than `1/k` of the time, so an upstream that heals gets its
 * traffic back within the window (`'book'`: after several windows). A refusal fails as `load_shed` (`LoadShedError`, code
 * `ADAPTIVE_THROTTLE`) and stops the call: no `retry` sends it again. Shared by the fleet
 * with shared state (every replica's counts add up).
 *
 * @example
 * ```ts
 * createClient({ baseUrl, resilience: [retry(), adaptiveThrottle({ k: 2 }), throttle()] });
 * ```
 */
export function adaptiveThrottle(options: AdaptiveThrottleOptions = {}): AdaptiveThrottlePolicy {
  const o = resolveAdaptiveThrottleOptions(options);
  const { k, random, perRoute } = o;
  const book = o.recovery === 'book';
  const rejectOn: ReadonlySet<FailureKind> = new Set(o.rejectOn);
  const own = memoryStore<AdaptiveRecord>();
  const fleetRequest: StoreRequest = { kind: 'adaptiveThrottle', settings: { windowMs: o.windowMs, buckets: BUCKETS } };
  const built = new Map<string, (key: string) => number>();
  const keyOf = (upstream: string, route: string): string => (perRoute ? `${upstream} ${route}` : upstream);
  return {
    name: 'adaptiveThrottle',
    build(context) {
      const store = context.fleetStore?.<AdaptiveRecord>(fleetRequest) ?? own;
      const { hooks, probability } = buildThrottle(store, () => context.clock.now() / (o.windowMs / BUCKETS));
      // Known before the first call, so a shared store reads the fleet's counts for it at once.
      if (!perRoute) probability(context.upstream);
      built.set(context.upstream, probability);
      return hooks;
    },
    rejectionProbability: (upstream, route = '') => built.get(upstream)?.(keyOf(upstream, route)) ?? 0,
    describe: () =>
      `adaptiveThrottle(k=${k}, windowMs=${o.windowMs}, recovery=${o.recovery}, rejectOn=${o.rejectOn.join('|')}${perRoute ? ', perRoute' : ''})`,
  };

  function buildThrottle(
    store: StateStore<AdaptiveRecord>,
    bucketNow: () => number,
  ): { hooks: PolicyHooks; probability: (key: string) => number } {
    const recordOf = (key: string): AdaptiveRecord => {
      let record = store.get(key);
      if (record === undefined) {
        record = emptyCounts(FIELDS, BUCKETS, Math.floor(bucketNow()));
        store.set(key, record);
      }
      return record;
    };
    const slide = (record: AdaptiveRecord) => slideCounts(record, FIELDS, BUCKETS, Math.floor(bucketNow()));
    const probabilityOf = (record: AdaptiveRecord): number => {
      slide(record);
      const { fleet } = record;
      const requests = sumOf(record.requests) + (fleet?.requests ?? 0);
      const accepts = sumOf(record.accepts) + (fleet?.accepts ?? 0);
      if (book) return rejectionProbability(requests, accepts, k);
      return rejectionProbability(requests, accepts, k, sumOf(record.sent) + (fleet?.sent ?? 0));
    };
    const count = (key: string, outcome: Outcome): void => {
      const record = recordOf(key);
      const index = slide(record);
      record.requests[index] = (record.requests[index] ?? 0) + 1;
      if (outcome !== 'refused') record.sent[index] = (record.sent[index] ?? 0) + 1;
      if (outcome === 'accepted') record.accepts[index] = (record.accepts[index] ?? 0) + 1;
      store.set(key, record);
    };
    const hooks: PolicyHooks = {
      beforeAttempt(attempt) {
        const key = keyOf(attempt.upstream, attempt.route);
        const p = probabilityOf(recordOf(key));
        if (p === 0 || random() >= p) return undefined;
        // The book counts a local refusal as a request: the less the upstream accepts, the fewer are sent.
        count(key, 'refused');
        return throttleRefusal(attempt.upstream, p);
      },
      onSuccess(succeeded) {
        count(keyOf(succeeded.upstream, succeeded.route), 'accepted');
      },
      afterFailure(failed: FailedAttempt, verdict: Verdict): Verdict {
        const { failure } = failed;
        // Sending it again now would be refused the same way, in a busy loop: stop, whatever a
        // retry outside decided or one inside would (a stop of another policy stands).
        if (failure.code === ADAPTIVE_THROTTLE)
          return verdict.delayMs === null && verdict !== UNDECIDED ? verdict : LOAD_SHED_STOP;
        const answer = answerOf(failure, rejectOn);
        if (answer !== undefined) count(keyOf(failed.upstream, failed.route), answer);
        return verdict;
      },
    };
    return { hooks, probability: (key) => probabilityOf(recordOf(key)) };
  }
}

type Outcome = 'accepted' | 'rejected' | 'refused';

const LOAD_SHED_STOP: Verdict = Object.freeze({ delayMs: null, reason: 'load_shed' });

/**
 * What a failed attempt says of the upstream's load: it rejected the request (a kind in
 * `rejectOn` that the upstream sent), accepted it (any other HTTP answer, or a body it sent
 * that could not be read), or nothing (no answer: a network failure not listed, the
 * caller's abort, a refusal made in this process such as a throttle's hold).
 */
function answerOf(failure: Failure, rejectOn: ReadonlySet<FailureKind>): 'rejected' | 'accepted' | undefined {
  const { kind, status } = failure;
  if (kind === 'circuit_open' || kind === 'load_shed' || kind === 'cancelled') return undefined;
  if (rejectOn.has(kind)) return kind === 'throttled' && status === undefined ? undefined : 'rejected';
  return status !== undefined || kind === 'invalid_response' ? 'accepted' : undefined;
}

function throttleRefusal(upstream: string, probability: number): Failure {
  return {
    kind: 'load_shed',
    code: ADAPTIVE_THROTTLE,
    message: `Refused locally by adaptiveThrottle: ${upstream} is rejecting requests (rejection probability ${probability.toFixed(2)})`,
  };
}
