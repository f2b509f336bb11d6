// Runs every compiled *.test.js under dist/test with Node's own test runner, using the
// node binary that runs this script (so the Node 22/24 matrix just swaps the binary).
// Node 20 takes no globs on the command line, hence the file list. The example test a user
// copies (dist/examples/*.test.js) runs with the suites.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/test', 'dist/examples'];
const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
};
for (const root of roots) {
  if (root.endsWith('.js')) files.push(root);
  else walk(root);
}
files.sort();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
