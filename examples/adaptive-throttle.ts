// Client-side adaptive throttling against an upstream that rejects 9 requests in 10 (503,
// answered at once) for two minutes, then heals: how much the upstream receives with and
// without adaptiveThrottle({ k: 2 }), and how fast traffic is back once it heals.
// Real requests on real sockets; the window runs on a fake clock (10 calls per simulated
// second), so the figures are the same on every run of one seed.
//
// Run: npm run build && node dist/examples/adaptive-throttle.js [seeds]   (or ADAPTIVE_THROTTLE_SEEDS=n)
import { runAdaptiveThrottleSim } from '../fixtures/adaptiveThrottleSim.js';

const seeds = Number(process.argv[2] ?? process.env['ADAPTIVE_THROTTLE_SEEDS'] ?? 5);
const bare = await runAdaptiveThrottleSim({ bare: true });
console.log(
  `without the policy: ${bare.sick.calls} calls in 120 s, upstream received ${bare.sick.sent}, accepted ${bare.sick.accepted}`,
);
for (let seed = 1; seed <= seeds; seed++) {
  const run = await runAdaptiveThrottleSim({ seed });
  const { sent, accepted, shed, calls } = run.sick;
  const share = (x: number) => `${Math.round(x * 100)}%`;
  console.log(
    `adaptiveThrottle(k=2) seed ${seed}: sick ${calls} calls, upstream received ${sent} ` +
      `(K×accepted = ${2 * accepted}, floor used ${Math.max(0, sent - 2 * accepted)}), shed ${shed}; ` +
      `sent in the last 10 s sick ${share(run.sentShareSick)}; after healing, sent per 30 s ` +
      `${run.sentShareHealed.map(share).join(' ')}; last refusal ${run.recoveredAfterS ?? 'never'} s after healing`,
  );
}
