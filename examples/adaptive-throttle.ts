// Client-side adaptive throttling against an upstream that rejects 9 requests in 10 (503,
// answered at once) for two minutes, then heals: how much the upstream receives with and
// without adaptiveThrottle({ k: 2 }), and how fast traffic is back once it heals, with the
// default recovery ('accepting') and the SRE book's ('book'), for two windows. Then an
// upstream accepting 45% and 55% (around 1/k) for ten minutes: what share is sent.
// Real requests on real sockets; the window runs on a fake clock (10 calls per simulated
// second), so the figures are the same on every run of one seed.
//
// Run: npm run build && node dist/examples/adaptive-throttle.js [seeds]
//   (or ADAPTIVE_THROTTLE_SEEDS=n; ADAPTIVE_THROTTLE_WINDOWS=120000,30000; ADAPTIVE_THROTTLE_SHARES=0.45,0.55, empty for none)
import { runAdaptiveThrottleSim } from '../fixtures/adaptiveThrottleSim.js';

const seeds = Number(process.argv[2] ?? process.env['ADAPTIVE_THROTTLE_SEEDS'] ?? 5);
const listOf = (text: string) => text.split(',').filter(Boolean).map(Number);
const windows = listOf(process.env['ADAPTIVE_THROTTLE_WINDOWS'] ?? '120000,30000');
const shares = listOf(process.env['ADAPTIVE_THROTTLE_SHARES'] ?? '0.45,0.55');
const share = (x: number) => `${Math.round(x * 100)}%`;

const bare = await runAdaptiveThrottleSim({ bare: true, healedSeconds: 0 });
console.log(
  `without the policy: ${bare.sick.calls} calls in 120 s, upstream received ${bare.sick.sent}, accepted ${bare.sick.accepted}`,
);
for (const windowMs of windows)
  for (const recovery of ['accepting', 'book'] as const)
    for (let seed = 1; seed <= seeds; seed++) {
      // Six windows healed: enough for the book's recovery to end.
      const run = await runAdaptiveThrottleSim({ seed, windowMs, recovery, healedSeconds: (6 * windowMs) / 1000 });
      const { sent, accepted, shed, calls } = run.sick;
      console.log(
        `adaptiveThrottle(k=2, windowMs=${windowMs}, recovery=${recovery}) seed ${seed}: sick ${calls} calls, ` +
          `upstream received ${sent} (K×accepted = ${2 * accepted}, floor used ${Math.max(0, sent - 2 * accepted)}), ` +
          `shed ${shed}; after healing, sent per 30 s ${run.sentShareHealed.slice(0, 8).map(share).join(' ')}; ` +
          `last refusal ${run.recoveredAfterS ?? 'never'} s after healing`,
      );
    }
for (const acceptShare of shares)
  for (const recovery of ['accepting', 'book'] as const)
    for (let seed = 1; seed <= seeds; seed++) {
      const run = await runAdaptiveThrottleSim({
        seed,
        recovery,
        sickAcceptShare: acceptShare,
        sickSeconds: 600,
        healedSeconds: 0,
      });
      const { sent, accepted, calls } = run.sick;
      console.log(
        `upstream accepting ${share(acceptShare)} for 600 s, recovery=${recovery} seed ${seed}: sent ${sent} of ${calls} ` +
          `(${(sent / 600).toFixed(1)} requests/s, ${accepted} accepted); sent per 30 s ` +
          `${run.sentShareSickPer30s.map(share).join(' ')}`,
      );
    }
