import { type Diagnostics, guard, type Scrub } from '../core/diagnostics.js';
import { contractBreach } from '../core/callHook.js';
import { isPromiseLike, untilAborted } from '../core/promises.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { Failure } from '../types/failure.js';
import { type Acquire, composeAdmission } from './composeAdmission.js';
import { checkedVerdict, FAILURE_OR_NOTHING, HEDGE_PLAN_OR_NOTHING, ANSWER_OR_NOTHING } from './policyContracts.js';
import {
  type AttemptInfo,
  type FailedAttempt,
  type FailedCall,
  type Answer,
  type HedgePlan,
  type Policy,
  type PolicyContext,
  type PolicyHooks,
  type SucceededAttempt,
  UNDECIDED,
  type Verdict,
} from '../types/policy.js';

/**
 * A client's `resilience` list as the pipeline calls it: each policy built once, every hook
 * guarded, and each kind of hook gathered into one array so that the common path (no
 * policy with that hook) costs a length check. Nothing here throws into a call.
 */
export interface Resilience {
  /** The built policies' names, outermost first (for `faultline check` and the tests). */
  readonly names: readonly string[];
  /** The first refusal of the attempt, outermost first; undefined lets it go. */
  beforeAttempt(attempt: AttemptInfo, scrub: Scrub): Failure | undefined;
  /**
   * Undefined unless a policy holds places (`acquire`, adaptive concurrency): then it
   * replaces `beforeAttempt` — every gate in list order, and it may wait.
   */
  readonly acquire: Acquire | undefined;
  /** The verdict after a failed attempt, folded from the outermost policy inwards. */
  afterFailure(failed: FailedAttempt, scrub: Scrub): Verdict | Promise<Verdict>;
  /** Undefined when no policy listens (the common case). */
  readonly onSuccess: ((succeeded: SucceededAttempt, scrub: Scrub) => void) | undefined;
  /** Undefined without a hedging policy. */
  readonly hedge: ((attempt: AttemptInfo, scrub: Scrub) => HedgePlan | undefined) | undefined;
  /**
   * Undefined without a fallback. `within` keeps an async answer within the call's time;
   * the answer says which policy gave it, so what goes wrong with it later is told in
   * that policy's name.
   */
  readonly answer:
    | ((failed: FailedCall, scrub: Scrub, within: AnswerTime) => Answered | undefined | Promise<Answered | undefined>)
    | undefined;
}

/** An answer and the name of the policy that gave it. */
export interface Answered extends Answer {
  readonly by: string;
}

/** The time a call's answers have. */
export interface AnswerTime {
  /** Waits for an async answer no longer than the call allows (rejects when it does not answer in time). */
  wait<T>(answer: PromiseLike<T>): Promise<T>;
  /** True once the caller has aborted: no one is waiting for an answer any more. */
  readonly callerAborted: boolean;
}

interface Built {
  readonly name: string;
  readonly hooks: PolicyHooks;
}

/**
 * Builds every policy of the list with the client's context and composes them.
 *
 * @throws {ConfigError} for an entry that is not a policy, a `build` that throws or
 * builds no hooks, or two hedging policies.
 */
export function composePolicies(list: readonly Policy[], setup: Omit<PolicyContext, 'policies'>): Resilience {
  const context: PolicyContext = { ...setup, policies: list.map((policy) => policy?.name) };
  const built: Built[] = list.map((policy, index) => buildOne(policy, index, context));
  const { diagnostics } = context;
  const befores = built.filter((b) => b.hooks.beforeAttempt !== undefined);
  const gates = built.filter((b) => b.hooks.beforeAttempt !== undefined || b.hooks.acquire !== undefined);
  const afters = built.filter((b) => b.hooks.afterFailure !== undefined);
  const successes = built.filter((b) => b.hooks.onSuccess !== undefined);
  const hedging = built.filter((b) => b.hooks.hedge !== undefined);
  const answering = built.filter((b) => b.hooks.answer !== undefined);
  if (hedging.length > 1)
    throw new ConfigError('resilience', hedging.map((b) => b.name).join(', '), 'hedges twice', 'one hedging policy');

  const beforeAttempt = (attempt: AttemptInfo, scrub: Scrub): Failure | undefined => {
    for (const { name, hooks } of befores) {
      const refusal = guardedCall(diagnostics, `${name} (beforeAttempt)`, scrub, () => hooks.beforeAttempt!(attempt));
      if (refusal !== undefined && refusal !== null) {
        if (FAILURE_OR_NOTHING.accepts(refusal)) return refusal;
        diagnostics.report(`${name} (beforeAttempt)`, contractBreach(refusal, FAILURE_OR_NOTHING.expected), scrub);
      }
    }
    return undefined;
  };

  const afterFailure = (failed: FailedAttempt, scrub: Scrub): Verdict | Promise<Verdict> =>
    foldFrom(0, UNDECIDED, failed, scrub);
  // Synchronous as long as every hook is: a failure then costs no promise.
  const foldFrom = (
    start: number,
    verdict: Verdict,
    failed: FailedAttempt,
    scrub: Scrub,
  ): Verdict | Promise<Verdict> => {
    let current = verdict;
    for (let i = start; i < afters.length; i++) {
      const { name, hooks } = afters[i]!;
      const what = `${name} (afterFailure)`;
      let next: Verdict | Promise<Verdict>;
      try {
        next = hooks.afterFailure!(failed, current);
      } catch (error) {
        return policyError(diagnostics, what, error, failed, scrub);
      }
      if (isPromiseLike(next)) {
        return untilAborted(next, failed.signal).then(
          (settled) => {
            const checked = checkedVerdict(settled);
            if (checked instanceof TypeError) return policyError(diagnostics, what, checked, failed, scrub);
            return foldFrom(i + 1, checked, failed, scrub);
          },
          (error: unknown) => policyError(diagnostics, what, error, failed, scrub),
        );
      }
      const checked = checkedVerdict(next);
      if (checked instanceof TypeError) return policyError(diagnostics, what, checked, failed, scrub);
      current = checked;
    }
    return current;
  };

  return {
    names: built.map((b) => b.name),
    beforeAttempt,
    acquire: gates.some((b) => b.hooks.acquire !== undefined) ? composeAdmission(gates, diagnostics) : undefined,
    afterFailure,
    onSuccess:
      successes.length === 0
        ? undefined
        : (succeeded, scrub) => {
            for (const { name, hooks } of successes)
              guard(diagnostics, `${name} (onSuccess)`, () => hooks.onSuccess!(succeeded), undefined, scrub);
          },
    hedge: hedging[0] === undefined ? undefined : hedgeOf(hedging[0], diagnostics),
    answer:
      answering.length === 0
        ? undefined
        : (failed, scrub, within) => firstAnswer(answering, 0, failed, { diagnostics, scrub, within }),
  };
}

/**
 * The hedging policy's hook, guarded: a plan outside the contract is no plan, and a plan's
 * `answered` that throws is reported instead of breaking the race it is told from. The
 * guarded plan is made once per plan the policy gives (the built-ins give one per client),
 * so a hedged attempt allocates nothing here.
 */
function hedgeOf(only: Built, diagnostics: Diagnostics): (attempt: AttemptInfo, scrub: Scrub) => HedgePlan | undefined {
  const what = `${only.name} (hedge)`;
  const heard = `${only.name} (answered)`;
  let given: HedgePlan | undefined;
  let guarded: HedgePlan | undefined;
  return (attempt, scrub) => {
    const plan = guardedCall(diagnostics, what, scrub, () => only.hooks.hedge!(attempt));
    if (!HEDGE_PLAN_OR_NOTHING.accepts(plan)) {
      diagnostics.report(what, contractBreach(plan, HEDGE_PLAN_OR_NOTHING.expected), scrub);
      return undefined;
    }
    if (plan === undefined || plan === null || plan.answered === undefined) return plan ?? undefined;
    if (plan !== given) {
      const { answered } = plan;
      given = plan;
      guarded = {
        get delayMs() {
          return plan.delayMs;
        },
        get maxHedges() {
          return plan.maxHedges;
        },
        answered: (latencyMs) => guard(diagnostics, heard, () => answered.call(plan, latencyMs), undefined),
      };
    }
    return guarded;
  };
}

/** The outermost fallback that answers; an inner one is asked only when an outer one does not. */
function firstAnswer(
  answering: readonly Built[],
  start: number,
  failed: FailedCall,
  asking: { readonly diagnostics: Diagnostics; readonly scrub: Scrub; readonly within: AnswerTime },
): Answered | undefined | Promise<Answered | undefined> {
  const { diagnostics, scrub } = asking;
  for (let i = start; i < answering.length; i++) {
    const { name, hooks } = answering[i]!;
    const what = `${name} (answer)`;
    let answer: unknown;
    try {
      answer = hooks.answer!(failed);
    } catch (error) {
      diagnostics.report(what, error, scrub);
      continue;
    }
    if (isPromiseLike(answer)) {
      return asking.within.wait(answer).then(
        (settled) => {
          if (settled !== undefined && ANSWER_OR_NOTHING.accepts(settled))
            return { value: (settled as Answer).value, by: name };
          if (settled !== undefined)
            diagnostics.report(what, contractBreach(settled, ANSWER_OR_NOTHING.expected), scrub);
          return firstAnswer(answering, i + 1, failed, asking);
        },
        (error: unknown) => {
          // The caller who aborted is not waiting: nothing to report, no one else to ask.
          if (asking.within.callerAborted) return undefined;
          diagnostics.report(what, error, scrub);
          return firstAnswer(answering, i + 1, failed, asking);
        },
      );
    }
    if (answer === undefined) continue;
    if (ANSWER_OR_NOTHING.accepts(answer)) return { value: (answer as Answer).value, by: name };
    diagnostics.report(what, contractBreach(answer, ANSWER_OR_NOTHING.expected), scrub);
  }
  return undefined;
}

function buildOne(policy: Policy, index: number, context: PolicyContext): Built {
  if (typeof policy !== 'object' || policy === null || typeof policy.build !== 'function')
    throw new ConfigError(
      `resilience[${index}]`,
      describeEntry(policy),
      'is not a policy',
      'what retry(), circuitBreaker()… return, or { name, build }',
    );
  const name = typeof policy.name === 'string' && policy.name !== '' ? policy.name : `resilience[${index}]`;
  let hooks: PolicyHooks;
  try {
    hooks = policy.build(context);
  } catch (error) {
    throw new ConfigError(
      `resilience[${index}]`,
      name,
      `could not be built (${(error as Error)?.message ?? String(error)})`,
      'a policy whose build() returns its hooks',
    );
  }
  if (typeof hooks !== 'object' || hooks === null)
    throw new ConfigError(`resilience[${index}]`, name, 'built no hooks', 'build() returning an object of hooks');
  return { name, hooks };
}

function guardedCall<T>(diagnostics: Diagnostics, what: string, scrub: Scrub, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    diagnostics.report(what, error, scrub);
    return undefined;
  }
}

function policyError(
  diagnostics: Diagnostics,
  what: string,
  error: unknown,
  failed: FailedAttempt,
  scrub: Scrub,
): Verdict {
  // The deadline or the caller cut the wait short: that is no policy's fault.
  if (failed.signal.aborted) return { delayMs: null, reason: 'deadline' };
  diagnostics.report(what, error, scrub);
  return { delayMs: null, reason: 'policy_error' };
}

function describeEntry(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function (call it: retry(), not retry)';
  return typeof value;
}
