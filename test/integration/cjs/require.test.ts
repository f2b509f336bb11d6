import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const consumer = fileURLToPath(new URL('../../../../test/integration/cjs/consumer.cjs', import.meta.url));

describe('consumed from CommonJS', () => {
  it("require('faultline') works through the package's exports (require(esm))", () => {
    const result = spawnSync(process.execPath, [consumer], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', NODE_NO_WARNINGS: '1' },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^cjs ok: \d+ exports, ServerError 503$/m);
  });
});
