import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type FaultServer as FlakyUpstream,
  startFaultServer as startFlakyUpstream,
} from '../../../src/testing/index.js';
import { createClient, ServerError } from '../../../src/index.js';
import { captureLogs } from '../../helpers/captureLogs.js';

// faultline reads the application's Sentry from `globalThis.__SENTRY__` (no @sentry/node
// in this process): whatever else sits there must read as "no Sentry", never as an error.
const throwing = (): never => {
  throw new Error('foreign carrier');
};
const foreignCarriers: Record<string, () => unknown> = {
  'not an object': () => 'sentry',
  'slots that are not objects': () => ({ version: '9.0.0', '9.0.0': null, other: 5 }),
  'a strategy that throws': () => ({
    version: '9.0.0',
    '9.0.0': { acs: { getCurrentScope: throwing, withScope: throwing } },
  }),
  'a scope without the methods of one': () => ({
    version: '9.0.0',
    '9.0.0': { defaultCurrentScope: { getClient: () => ({}) } },
  }),
  'a slot whose getter throws': () =>
    Object.defineProperty({ version: '9.0.0' }, '9.0.0', { get: throwing, enumerable: true }),
};

describe('a foreign or broken Sentry carrier is no Sentry', () => {
  let server: FlakyUpstream;

  before(async () => {
    server = await startFlakyUpstream();
    server.script('/down', { status: 500 });
  });
  after(async () => {
    delete (globalThis as { __SENTRY__?: unknown }).__SENTRY__;
    await server.close();
  });

  for (const [name, carrier] of Object.entries(foreignCarriers)) {
    it(name, async () => {
      (globalThis as { __SENTRY__?: unknown }).__SENTRY__ = carrier();
      const logs = captureLogs('debug');
      const client = createClient({
        name: 'foreign',
        baseUrl: server.url,
        env: {},
        telemetry: { logger: logs.logger },
        resilience: [],
      });
      await assert.rejects(client.get('/down'), ServerError);
      assert.deepEqual(
        logs.lines.map((line) => line['message']),
        ['foreign GET /down failed: server 500 after 1 attempt'],
        'the call is told once, with no diagnostics',
      );
      assert.equal(logs.lines[0]?.['trace_id'], undefined);
      assert.equal(logs.lines[0]?.['sentry.event_id'], undefined);
      await client.close();
    });
  }
});
