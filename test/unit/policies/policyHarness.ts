import assert from 'node:assert/strict';
import type { Failure } from '../../../src/types/failure.js';
import {
  type AttemptInfo,
  type CircuitInfo,
  type FailedAttempt,
  type Policy,
  type PolicyHooks,
  type SucceededAttempt,
  UNDECIDED,
  type Verdict,
} from '../../../src/types/policy.js';
import { type FakeClock, fakeClock } from '../../helpers/fakeClock.js';
import { type RecordingDiagnostics, recordingDiagnostics } from '../helpers/recordingDiagnostics.js';

/** A 503 as classify() reports it. */
export const serverError: Failure = { kind: 'server', code: '503', status: 503, message: 'HTTP 503' };

/** A policy built as a client builds it, on a fake clock, with diagnostics that keep what they are told. */
export interface BuiltPolicy {
  readonly hooks: PolicyHooks;
  readonly clock: FakeClock;
  readonly recorded: RecordingDiagnostics;
  /** What the client's `faultline.circuit.state` gauge heard. */
  readonly circuits: CircuitInfo[];
}

export function buildPolicy(
  policy: Policy,
  {
    upstream = 'upstream',
    clock = fakeClock(0),
    policies = [policy.name],
  }: { upstream?: string; clock?: FakeClock; policies?: readonly string[] } = {},
): BuiltPolicy {
  const recorded = recordingDiagnostics(clock.now);
  const circuits: CircuitInfo[] = [];
  const hooks = policy.build({
    upstream,
    policies,
    clock,
    diagnostics: recorded.diagnostics,
    circuitState: (circuit) => circuits.push(circuit),
  });
  return { hooks, clock, recorded, circuits };
}

/** An attempt about to be sent: the first GET of a call to `upstream`, unless overridden. */
export function attemptInfo(overrides: Partial<AttemptInfo> = {}): AttemptInfo {
  return {
    attempt: 1,
    method: 'GET',
    url: 'http://upstream.test/x',
    upstream: 'upstream',
    route: '/x',
    waitedUntil: 0,
    ...overrides,
  };
}

/** What a policy is told after a failed attempt: a first GET that failed with a 503, unless overridden. */
export function failedAttempt(overrides: Partial<FailedAttempt> = {}): FailedAttempt {
  return {
    ...attemptInfo(),
    failure: serverError,
    durationMs: 0,
    replayable: true,
    elapsedMs: 0,
    previousDelayMs: 0,
    remainingMs: Number.POSITIVE_INFINITY,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A successful attempt: a 200 to the first GET, unless overridden. */
export function succeededAttempt(overrides: Partial<SucceededAttempt> = {}): SucceededAttempt {
  return { ...attemptInfo(), status: 200, durationMs: 1, elapsedMs: 1, ...overrides };
}

/** The verdict of a policy's synchronous afterFailure, given the verdict of the policies outside it. */
export function verdictOf(hooks: PolicyHooks, failed: FailedAttempt, given: Verdict = UNDECIDED): Verdict {
  assert.ok(hooks.afterFailure, 'the policy has an afterFailure hook');
  const verdict = hooks.afterFailure(failed, given);
  assert.ok(!(verdict instanceof Promise), 'a synchronous verdict');
  return verdict;
}
