import type { Policy } from '../../../src/index.js';

/**
 * One immediate retry of any failure, as a policy of the suite's own (0.1's custom strategy
 * `nextDelay: ({ attempt }) => (attempt === 1 ? 0 : null)`): each failed call is one retried
 * attempt's line and one call's line. Not `retry()`: that one never retries a `client` 4xx.
 */
export const retryOnceAtOnce: Policy = {
  name: 'retryOnceAtOnce',
  build: () => ({
    afterFailure: ({ attempt }) =>
      attempt === 1
        ? { delayMs: 0, reason: 'strategy', delaySource: 'backoff' }
        : { delayMs: null, reason: 'strategy' },
  }),
};
