import type { AttemptOutcome, CallInfo } from '../../types/observers.js';
import { addFailureAttributes, addRetryAttributes, ATTR } from '../attributes.js';
import type { SentryBreadcrumb } from './sentryApi.js';

/** A failed attempt, kept for the Sentry event's breadcrumbs (built only if one is sent). */
export interface FailedAttempt {
  readonly outcome: AttemptOutcome;
  /** When it ended, in milliseconds since the epoch. */
  readonly at: number;
}

/** One attempt of a failed call as a Sentry breadcrumb: what it got and what came next. */
export function breadcrumbOf(call: CallInfo, { outcome, at }: FailedAttempt): SentryBreadcrumb {
  const { failure, retry } = outcome;
  const data: Record<string, unknown> = {
    [ATTR.HTTP_REQUEST_METHOD]: call.requestMethod,
    url: call.url,
    [ATTR.ATTEMPT]: outcome.attempt,
    [ATTR.DURATION_MS]: Math.round(outcome.durationMs),
  };
  if (call.requestMethod !== call.method) data[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] = call.method;
  if (outcome.status !== undefined) data['status_code'] = outcome.status;
  addRetryAttributes(addFailureAttributes(data, failure), retry);
  const next =
    retry !== undefined
      ? `; retry in ${retry.delayMs} ms (${retry.reason})`
      : outcome.stopReason === undefined
        ? ''
        : `; gave up (${outcome.stopReason})`;
  return {
    type: 'http',
    category: 'faultline.attempt',
    level: retry === undefined ? 'error' : 'warning',
    message: `${call.method} ${call.route} attempt ${outcome.attempt}: ${failure?.kind ?? 'ok'} ${failure?.code ?? ''}${next}`,
    data,
    timestamp: at / 1000,
  };
}
