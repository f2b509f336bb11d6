// A retry strategy of your own, in a few lines: the RetryStrategy interface.
//
// Shows: nextDelay() returning a delay or null (here with a reason, which every signal
// reports), using the failure's kind and status, replayability and the time left.
//
// Run: npm run build && node dist/examples/custom-strategy.js
import { createClient, type RetryStrategy } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

/** Retries 503s and timeouts on a fixed 100 ms beat, while the deadline allows, up to 5 tries. */
const steadyBeat: RetryStrategy = {
  nextDelay({ attempt, failure, replayable, remainingMs }) {
    if (!replayable || attempt >= 5) return null;
    const transient = failure.status === 503 || failure.kind === 'timeout';
    if (!transient || remainingMs < 100) return { delayMs: null, reason: 'not_transient_or_no_time' };
    return { delayMs: 100, reason: 'steady_beat' };
  },
};

const upstream = await startFaultServer();
upstream.script('/v1/prices', { status: 503 }, { status: 503 }, { status: 200, body: '{"eur":1.08}' });

const prices = createClient({
  name: 'prices',
  baseUrl: upstream.url,
  retry: steadyBeat,
  signals: false,
});
const started = Date.now();
const body = await prices.json('/v1/prices');
console.log(
  `got ${JSON.stringify(body)} after ${upstream.hits('/v1/prices')} attempts in ~${Math.round((Date.now() - started) / 100) * 100} ms`,
);

await prices.close();
await upstream.close();
