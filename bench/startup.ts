// How long `import 'faultline'` takes in a fresh process (median of 7), next to an empty
// module for the floor. `node dist/bench/run.js` measures and prints it too, with its ratio.
import { importTimes } from './importTime.js';
import { median } from './tableRatios.js';

const times = importTimes(7);
process.stdout.write(
  `import 'faultline': ${median(times.faultline).toFixed(1)} ms (an empty module: ${median(times.empty).toFixed(1)} ms), median of 7 fresh processes\n`,
);
