import '../../helpers/quietLogs.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  basicAuth,
  bearerToken,
  ClientError,
  createClient,
  ForbiddenError,
  retry,
  type RequestFailure,
  ServerError,
  ThrottledError,
  TimeoutError,
  UnauthorizedError,
} from '../../../src/index.js';
import { fakeClock } from '../../helpers/fakeClock.js';
import { failureOf } from '../../helpers/failureOf.js';
import { type Httpbin, startHttpbin } from '../../helpers/httpbin.js';

describe("the requests tutorials' scenarios against real httpbin", () => {
  let httpbin: Httpbin;
  before(async () => {
    httpbin = await startHttpbin();
  });
  after(() => httpbin.close());

  const client = (options: Parameters<typeof createClient>[0] = {}) =>
    createClient({
      baseUrl: httpbin.url,
      name: 'httpbin',
      env: {},
      clock: fakeClock(),
      ...options,
    });

  it('no credentials on /basic-auth: 401 with the Fake Realm challenge', async () => {
    const error = await failureOf(() => client().get('/basic-auth/user/pass'));
    assert.ok(error instanceof UnauthorizedError);
    assert.deepEqual(error.challenges, [{ scheme: 'Basic', params: { realm: 'Fake Realm' } }]);
  });

  it('wrong credentials: 401; right credentials: the user back', async () => {
    const wrong = await failureOf(() => client({ auth: basicAuth('user', 'nope') }).get('/basic-auth/user/pass'));
    assert.equal(wrong.kind, 'unauthorized');
    assert.deepEqual(await client({ auth: basicAuth('user', 'pass') }).json('/basic-auth/user/pass'), {
      authenticated: true,
      user: 'user',
    });
  });

  it('credentials in the URL are sent as Basic', async () => {
    const body = await createClient({ env: {} }).json<{ user: string }>(
      `${httpbin.url.replace('http://', 'http://user:pass@')}/basic-auth/user/pass`,
    );
    assert.equal(body.user, 'user');
  });

  it('/bearer: 401 without a token, the token back with one', async () => {
    const error = await failureOf(() => client().get('/bearer'));
    assert.equal(error.kind, 'unauthorized');
    // httpbin 0.7 echoes the token with str.lstrip('Bearer '): pick one that starts outside those letters.
    const body = await client({ auth: bearerToken({ getToken: () => 'tok-123' }) }).json<{
      token: string;
    }>('/bearer');
    assert.equal(body.token, 'tok-123');
  });

  it('/status/401|403|429|500|503 map to their kinds with the right attempt counts', async () => {
    const cases: [number, new (...args: never[]) => RequestFailure, number][] = [
      [401, UnauthorizedError, 1],
      [403, ForbiddenError, 1],
      [404, ClientError, 1],
      [429, ThrottledError, 3],
      [500, ServerError, 1],
      [503, ServerError, 3],
    ];
    for (const [status, type, attempts] of cases) {
      const error = await failureOf(() => client({ resilience: [retry({ maxAttempts: 3 })] }).get(`/status/${status}`));
      assert.ok(error instanceof type, `${status}: ${error.name}`);
      assert.equal(error.status, status);
      assert.equal(error.attempts, attempts, `attempts for ${status}`);
    }
  });

  it('/delay/N against a shorter attempt timeout is a headers-phase timeout', async () => {
    const error = await failureOf(() => client({ timeout: { attemptMs: 150 }, resilience: [] }).get('/delay/2'));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.phase, 'headers');
  });

  it('/headers shows what we send: the default headers and JSON accept', async () => {
    const body = await client({ headers: { 'X-Team': 'payments' } }).json<{
      headers: Record<string, string>;
    }>('/headers');
    assert.equal(body.headers['X-Team'], 'payments');
    assert.equal(body.headers['Accept'], 'application/json');
  });
});
