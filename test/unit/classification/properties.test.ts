import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FAILURE_KINDS } from '../../../src/index.js';
import {
  classify,
  parseRetryAfter,
  parseWwwAuthenticate,
  retryAfterFromHeaders,
} from '../../../src/classification/index.js';
import { NUM_RUNS } from '../../helpers/propertyRuns.js';

const headerValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toUTCString())),
);
const headerName = fc.constantFrom(
  'retry-after',
  'ratelimit-reset',
  'x-ratelimit-reset',
  'ratelimit',
  'x-rate-limit-reset',
  'x-ratelimit-reset-after',
  'www-authenticate',
  'content-type',
);
const headers = fc.dictionary(headerName, fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })));
const thrown = fc.oneof(
  fc.anything(),
  fc.record(
    {
      code: fc.oneof(fc.string(), fc.constantFrom('ECONNREFUSED', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'ERR_CANCELED')),
      message: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      name: fc.constantFrom('AbortError', 'TimeoutError', 'SyntaxError', 'TypeError'),
      cause: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      isAxiosError: fc.boolean(),
      response: fc.record({ status: fc.integer(), headers }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  ),
  fc.record({
    response: fc.record({
      statusCode: fc.oneof(fc.integer(), fc.double()),
      headers: fc.anything(),
    }),
  }),
);

describe('hostile input never throws and always yields a valid kind', () => {
  it('classify on arbitrary statuses and headers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1000, max: 2000 }), fc.double()), headers, (status, h) => {
        const failure = classify({ status, headers: h });
        if (Number.isInteger(status) && status >= 100 && status < 400) assert.equal(failure, null);
        else {
          assert.ok(failure !== null && FAILURE_KINDS.includes(failure.kind));
          assert.equal(typeof failure.code, 'string');
          if (failure.retryAfterMs !== undefined)
            assert.ok(failure.retryAfterMs >= 0 && Number.isFinite(failure.retryAfterMs));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('classify on arbitrary thrown values', () => {
    fc.assert(
      fc.property(thrown, (value) => {
        const failure = classify(value);
        assert.ok(failure !== null && FAILURE_KINDS.includes(failure.kind), JSON.stringify(failure));
        assert.equal(typeof failure.code, 'string');
        assert.equal(typeof failure.message, 'string');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('Retry-After and RateLimit headers: garbage, negative, huge, past and future dates', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    fc.assert(
      fc.property(headerValue, headers, (value, h) => {
        const direct = parseRetryAfter(value, now);
        if (direct !== undefined) assert.ok(direct >= 0 && direct <= 2_147_483_647);
        const fromHeaders = retryAfterFromHeaders(h, now);
        if (fromHeaders !== undefined) assert.ok(fromHeaders >= 0 && fromHeaders <= 2_147_483_647);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('WWW-Authenticate', () => {
    const challengeish = fc
      .array(
        fc.oneof(fc.string(), fc.constantFrom('Basic', 'Bearer', ' realm="', '"', ',', '=', '\\', '  ', 'error=x')),
        { maxLength: 20 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), challengeish), (value) => {
        const challenges = parseWwwAuthenticate(value);
        assert.ok(Array.isArray(challenges) && challenges.length <= 16);
        for (const challenge of challenges) {
          assert.match(challenge.scheme, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
          assert.equal(typeof challenge.params, 'object');
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
