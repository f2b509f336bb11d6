import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { INSTRUMENTATION_VERSION } from '../../../src/signals/attributes.js';

describe('instrumentation scope', () => {
  it('the tracer and meter version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(INSTRUMENTATION_VERSION, pkg.version);
  });
});
