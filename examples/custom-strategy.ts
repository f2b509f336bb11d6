// A retry policy of your own, in a few lines: the Policy contract every built-in follows.
//
// Shows: a `{ name, build }` policy whose afterFailure() takes the verdict so far and returns
// a delay or a stop (with a reason, which every signal reports), using the failure's kind
// and status, replayability and the time left. It is the whole list here: no built-in
// retry runs beside it.
//
// Run: npm run build && node dist/examples/custom-strategy.js
import { createClient, type Policy } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

/** Retries 503s and timeouts on a fixed 100 ms beat, while the deadline allows, up to 5 tries. */
const steadyBeat: Policy = {
  name: 'steadyBeat',
  build: () => ({
    afterFailure({ attempt, failure, replayable, remainingMs }, verdict) {
      if (!replayable || attempt >= 5) return verdict;
      const transient = failure.status === 503 || failure.kind === 'timeout';
      if (!transient || remainingMs < 100) return { delayMs: null, reason: 'not_transient_or_no_time' };
      return { delayMs: 100, reason: 'steady_beat' };
    },
  }),
};

const upstream = await startFaultServer();
upstream.script('/v1/prices', { status: 503 }, { status: 503 }, { status: 200, body: '{"eur":1.08}' });

const prices = createClient({
  name: 'prices',
  baseUrl: upstream.url,
  resilience: [steadyBeat],
  telemetry: { enabled: false },
});
const started = Date.now();
const body = await prices.json('/v1/prices');
console.log(
  `got ${JSON.stringify(body)} after ${upstream.hits('/v1/prices')} attempts in ~${Math.round((Date.now() - started) / 100) * 100} ms`,
);

await prices.close();
await upstream.close();
