// The CommonJS twin of test/integration/signals/fixtures/sentryScript.mjs: require() of both
// @sentry/node and faultline, the app's Sentry with its default integrations, three
// identical failures at once and three more in a row, then a flush. Run by
// sentryScripts.test.ts in a process of its own (argv: DSN, upstream URL).
'use strict';
const Sentry = require('@sentry/node');
const { createClient } = require('faultline');

const [dsn, upstream] = process.argv.slice(2);
Sentry.init({ dsn });
const client = createClient({ name: 'cjs-script', baseUrl: upstream, resilience: [] });

async function main() {
  await Promise.allSettled([1, 2, 3].map(() => client.get('/inventory/42')));
  for (let i = 0; i < 3; i++) await client.get('/inventory/43').catch(() => {});
  await Sentry.flush(3000);
  await client.close();
}
main();
