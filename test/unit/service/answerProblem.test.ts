import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILURE_KINDS, type FailureKind } from '../../../src/index.js';
import { createRequestFailure } from '../../../src/errors/createRequestFailure.js';
import type { RequestFailure } from '../../../src/errors/RequestFailure.js';
import { answerProblem, answerSafely } from '../../../src/service/answerProblem.js';
import type { ProblemOptions } from '../../../src/service/ProblemOptions.js';

function failure(kind: FailureKind, extra: Partial<{ status: number; retryAfterMs: number; phase: 'total' }> = {}) {
  return createRequestFailure({
    failure: {
      kind,
      code: String(extra.status ?? 'X'),
      message: 'GET http://inventory.internal/v1?token=s3cr3t',
      ...extra,
    },
    method: 'GET',
    url: 'http://inventory.internal/v1/stock?token=REDACTED',
    attempts: 1,
    upstream: 'inventory',
  });
}

const request = { url: '/stock/42?api_key=s3cr3t', accept: undefined };

function body(answer: { body: string | undefined }): Record<string, unknown> {
  return JSON.parse(answer.body!) as Record<string, unknown>;
}

describe('answerProblem: the default table', () => {
  const expected: Record<FailureKind, number> = {
    timeout: 504,
    throttled: 503,
    circuit_open: 503,
    load_shed: 503,
    network: 502,
    server: 502,
    invalid_response: 502,
    unauthorized: 502,
    forbidden: 502,
    client: 502,
    cancelled: 499,
  };

  for (const kind of FAILURE_KINDS) {
    it(`${kind} → ${expected[kind]}`, () => {
      const answer = answerProblem(failure(kind), request, {});
      assert.equal(answer.status, expected[kind]);
      assert.equal(answer.kind, kind);
      if (kind === 'cancelled') {
        assert.equal(answer.body, undefined, 'nobody is listening: no body');
        assert.equal(answer.log, 'cancelled');
        return;
      }
      assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(answer.log, undefined, 'the client already told it');
      const doc = body(answer);
      assert.deepEqual(Object.keys(doc).sort(), ['detail', 'instance', 'kind', 'status', 'title', 'type', 'upstream']);
      assert.equal(doc['type'], 'about:blank');
      assert.equal(doc['status'], expected[kind]);
      assert.equal(doc['instance'], '/stock/42', 'the path without its query');
      assert.equal(doc['kind'], kind);
      assert.equal(doc['upstream'], 'inventory');
      assert.match(String(doc['detail']), /inventory/);
      assert.doesNotMatch(answer.body!, /s3cr3t|REDACTED|inventory\.internal/, 'no message, no URL');
      assert.equal(answer.headers['www-authenticate'], undefined);
    });
  }

  it('throttled carries the upstream delay as Retry-After, in whole seconds rounded up', () => {
    assert.equal(
      answerProblem(failure('throttled', { status: 429, retryAfterMs: 1500 }), request, {}).headers['retry-after'],
      '2',
    );
    assert.equal(
      answerProblem(failure('throttled', { status: 429, retryAfterMs: 10 }), request, {}).headers['retry-after'],
      '1',
    );
    assert.equal(answerProblem(failure('throttled', { status: 429 }), request, {}).headers['retry-after'], undefined);
  });

  it('a caller-deadline timeout says so', () => {
    const error = createRequestFailure({
      failure: { kind: 'timeout', code: 'TimeoutError', phase: 'total', message: 'x' },
      method: 'GET',
      url: 'http://x/',
      attempts: 1,
      upstream: 'inventory',
      deadlineSource: 'caller',
    });
    assert.match(String(body(answerProblem(error, request, {}))['detail']), /request's deadline passed/);
  });

  it('typeBase gives each kind its type URI and title', () => {
    const doc = body(answerProblem(failure('timeout'), request, { typeBase: 'https://errors.example.com/' }));
    assert.equal(doc['type'], 'https://errors.example.com/timeout');
    assert.equal(doc['title'], 'Upstream timed out');
  });
});

class OrderNotFound extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found in db at 10.0.0.7`);
  }
}
class NotLoggedIn extends Error {}

describe('answerProblem: the app overrides', () => {
  const options: ProblemOptions = {
    errors: [
      [
        OrderNotFound,
        (e) => ({
          status: 404,
          title: 'No such order',
          detail: `Order ${(e as OrderNotFound).orderId} does not exist.`,
        }),
      ],
      [NotLoggedIn, { status: 401 }],
    ],
    kinds: {
      client: (e: RequestFailure) => (e.status === 404 ? { status: 404, detail: 'No such item.' } : undefined),
      circuit_open: { status: 503, headers: { 'Retry-After': '5' } },
    },
  };

  it("maps the app's own error classes to a status, title and detail", () => {
    const answer = answerProblem(new OrderNotFound('42'), request, options);
    assert.equal(answer.status, 404);
    assert.deepEqual(body(answer), {
      type: 'about:blank',
      title: 'No such order',
      status: 404,
      detail: 'Order 42 does not exist.',
      instance: '/stock/42',
    });
    assert.equal(answer.log, undefined);
  });

  it("gives the app's own 401 a WWW-Authenticate challenge (Bearer, or the app's)", () => {
    assert.equal(answerProblem(new NotLoggedIn(), request, options).headers['www-authenticate'], 'Bearer');
    assert.equal(
      answerProblem(new NotLoggedIn(), request, { ...options, challenge: 'Basic realm="shop"' }).headers[
        'www-authenticate'
      ],
      'Basic realm="shop"',
    );
  });

  it('overrides per kind, by value or by function (falling back to the table)', () => {
    assert.equal(answerProblem(failure('client', { status: 404 }), request, options).status, 404);
    assert.equal(answerProblem(failure('client', { status: 409 }), request, options).status, 502);
    const open = answerProblem(failure('circuit_open'), request, options);
    assert.equal(open.headers['retry-after'], '5');
  });

  it('an unknown error is a bare 500, logged, its message never sent', () => {
    const answer = answerProblem(new Error('password=hunter2 at /srv/app.js'), request, options);
    assert.equal(answer.status, 500);
    assert.equal(answer.log, 'unexpected');
    assert.deepEqual(body(answer), {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: '/stock/42',
    });
  });

  it("an HTTP error's own status is kept, its message only when it is meant for the caller", () => {
    const exposed = Object.assign(new Error('Unexpected token in JSON'), { status: 400, expose: true });
    assert.deepEqual(body(answerProblem(exposed, request, {}))['detail'], 'Unexpected token in JSON');
    const hidden = Object.assign(new Error('db down'), { statusCode: 503, expose: false });
    const answer = answerProblem(hidden, request, {});
    assert.equal(answer.status, 503);
    assert.equal(body(answer)['detail'], undefined);
  });

  it('a rule that throws still answers: a bare 500', () => {
    const answer = answerSafely(new OrderNotFound('1'), request, {
      errors: [
        [
          OrderNotFound,
          () => {
            throw new Error('bug in the rule');
          },
        ],
      ],
    });
    assert.equal(answer.status, 500);
    assert.equal(body(answer)['title'], 'Internal Server Error');
  });
});

describe('answerProblem: content negotiation', () => {
  const cases: [string | undefined, ProblemOptions['mediaType'], string][] = [
    [undefined, undefined, 'application/problem+json'],
    ['text/html', undefined, 'application/problem+json'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', undefined, 'application/problem+json'],
    ['application/json', undefined, 'application/json'],
    ['application/problem+json, application/json', undefined, 'application/problem+json'],
    [undefined, 'json', 'application/json'],
  ];
  for (const [accept, mediaType, expected] of cases) {
    it(`Accept ${accept ?? '(none)'}${mediaType === undefined ? '' : `, mediaType ${mediaType}`} → ${expected}, never HTML`, () => {
      const answer = answerProblem(
        failure('server'),
        { url: '/', accept },
        mediaType === undefined ? {} : { mediaType },
      );
      assert.equal(answer.headers['content-type'], `${expected}; charset=utf-8`);
    });
  }
});
