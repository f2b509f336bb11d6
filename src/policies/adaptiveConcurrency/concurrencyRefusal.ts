import type { Failure } from '../../types/failure.js';

/** The limit is reached and the queue is full (or off): refused at once. */
export const CONCURRENCY_LIMIT = 'CONCURRENCY_LIMIT';
/** The call waited in the queue for `queue.maxWaitMs` without a place. */
export const QUEUE_TIMEOUT = 'QUEUE_TIMEOUT';
/** The queue could not admit the call within its total timeout or `queue.maxWaitMs`: refused at once, not queued. */
export const QUEUE_DEADLINE = 'QUEUE_DEADLINE';

// One frozen failure per code: a refusal under overload allocates nothing.
const refusal = (code: string, message: string): Failure => Object.freeze({ kind: 'load_shed', code, message });

export const LIMIT_REACHED = refusal(
  CONCURRENCY_LIMIT,
  'Not sent: the adaptive concurrency limit is reached and its queue is full',
);
export const WAITED_TOO_LONG = refusal(QUEUE_TIMEOUT, 'Not sent: waited in the concurrency queue for its longest wait');
export const CANNOT_MEET_DEADLINE = refusal(
  QUEUE_DEADLINE,
  'Not sent: the concurrency queue could not admit the call within its time',
);
