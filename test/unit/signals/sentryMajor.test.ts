import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Sentry from '@sentry/node';
import { assertSentrySupported, sentryVersionOf } from '../../../src/signals/sentry/sentryMajor.js';

describe('the supported @sentry/node major (issue 22, finding 4)', () => {
  it('accepts 11 and an unknown version, and names the version and the range for any other major', () => {
    assert.doesNotThrow(() => assertSentrySupported('11.12.0', 'imported'));
    assert.doesNotThrow(() => assertSentrySupported(undefined, 'found'));
    assert.throws(() => assertSentrySupported('10.78.0', 'imported'), {
      message:
        'faultline: SENTRY_DSN is set and the installed @sentry/node is 10.78.0, but faultline supports ' +
        '@sentry/node 11 only (>=11.0.0 <12.0.0): npm install @sentry/node@11',
    });
    assert.throws(() => assertSentrySupported('12.0.0-beta.1', 'found'), {
      message: /^faultline: the application set up @sentry\/node 12\.0\.0-beta\.1, but faultline supports/,
    });
  });

  it("reads the version a real client reports, which is the installed SDK's", async () => {
    Sentry.init({ dsn: 'http://public@127.0.0.1:9/1', defaultIntegrations: false });
    try {
      assert.equal(sentryVersionOf(Sentry.getClient()), Sentry.SDK_VERSION);
      assert.match(Sentry.SDK_VERSION, /^11\./);
    } finally {
      await Sentry.close(100);
    }
    assert.equal(sentryVersionOf({}), undefined);
    assert.equal(sentryVersionOf(undefined), undefined);
  });
});
