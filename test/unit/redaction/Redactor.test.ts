import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, REDACTED } from '../../../src/redaction/Redactor.js';

const redactor = createRedactor();

describe('Redactor.url', () => {
  describe('userinfo', () => {
    it('user and password are both replaced', () => {
      assert.equal(redactor.url('https://alice:s3cret@api.test/x'), 'https://REDACTED:REDACTED@api.test/x');
    });

    it('a user without password: only the user is replaced (no password invented)', () => {
      assert.equal(redactor.url('https://alice@api.test/x'), 'https://REDACTED@api.test/x');
    });

    it('a password without user', () => {
      assert.equal(redactor.url('https://:s3cret@api.test/x'), 'https://REDACTED:REDACTED@api.test/x');
    });

    it('percent-encoded userinfo, and a URL object, are redacted the same way', () => {
      const url = new URL('http://us%40er:p%3Ass@[::1]:8080/x');
      assert.equal(redactor.url(url), 'http://REDACTED:REDACTED@[::1]:8080/x');
      assert.equal(url.username, 'us%40er', 'the caller’s URL object is left alone');
    });
  });

  describe('secret query parameters', () => {
    // SPEC §5: the OpenTelemetry list, written as services write them.
    const openTelemetryList = [
      'X-Amz-Signature',
      'X-Amz-Credential',
      'X-Amz-Security-Token',
      'AWSAccessKeyId',
      'Signature',
      'sig',
      'X-Goog-Signature',
    ];
    const faultlineList = ['token', 'access_token', 'key', 'api_key', 'secret', 'password', 'session', 'code'];
    for (const name of [...openTelemetryList, ...faultlineList]) {
      it(`${name}`, () => {
        assert.equal(
          redactor.url(`https://bucket.test/obj?page=2&${name}=abc123&q=x`),
          `https://bucket.test/obj?page=2&${name}=REDACTED&q=x`,
        );
        assert.equal(redactor.isSecretQuery(name), true);
      });
    }

    it('a presigned S3 URL keeps its shape and loses its secrets', () => {
      const presigned =
        'https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101%2Fus-east-1' +
        '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef';
      assert.equal(
        redactor.url(presigned),
        'https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED' +
          '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED',
      );
    });

    it('names that only look secret are caught too: x_session_id, my-api-key, refresh-token, client_key', () => {
      for (const name of ['x_session_id', 'my-api-key', 'refresh-token', 'client_key', 'db_password']) {
        assert.equal(redactor.isSecretQuery(name), true, name);
      }
    });

    it('ordinary names are left alone, even when they contain a secret word’s letters', () => {
      for (const name of ['page', 'q', 'design', 'monkey', 'keyboard', 'signal', 'limit']) {
        assert.equal(redactor.isSecretQuery(name), false, name);
      }
      const url = 'https://api.test/search?q=a%20b&design=flat&monkey=1&keyboard=us';
      assert.equal(redactor.url(url), url);
    });

    it('other parameters keep their exact encoding', () => {
      assert.equal(
        redactor.url('https://api.test/x?q=caf%C3%A9+au+lait&token=t0k3n&list=a,b'),
        'https://api.test/x?q=caf%C3%A9+au+lait&token=REDACTED&list=a,b',
      );
    });

    it('an encoded name is recognised by its decoded form and written back as it was', () => {
      assert.equal(redactor.url('https://api.test/x?access%5Ftoken=abc'), 'https://api.test/x?access%5Ftoken=REDACTED');
    });

    it('a name without a value stays; an empty value is still marked; the fragment stays', () => {
      assert.equal(
        redactor.url('https://api.test/x?token&secret=&page=1#top'),
        'https://api.test/x?token&secret=REDACTED&page=1#top',
      );
    });

    it('userinfo and query together', () => {
      assert.equal(
        redactor.url('https://u:p@api.test/x?token=abc&page=2'),
        'https://REDACTED:REDACTED@api.test/x?token=REDACTED&page=2',
      );
    });

    it('a URL with nothing to hide comes back as it was given', () => {
      assert.equal(redactor.url('https://api.test/a/b'), 'https://api.test/a/b');
      assert.equal(redactor.url('https://api.test/a?page=1'), 'https://api.test/a?page=1');
    });
  });

  describe('malformed URLs never throw, and still lose userinfo and every query value', () => {
    const cases: [string, string][] = [
      ['http://u:p@[bad/x?token=abc&page=2', 'http://REDACTED@[bad/x?token=REDACTED&page=REDACTED'],
      ['not a url?token=abc', 'not a url?token=REDACTED'],
      ['/relative/path?api_key=k&x=1#frag', '/relative/path?api_key=REDACTED&x=REDACTED#frag'],
      ['//u:p@host/x', '//REDACTED@host/x'],
      ['', ''],
      ['@?', '@?'],
    ];
    for (const [input, expected] of cases) {
      it(JSON.stringify(input), () => {
        assert.equal(redactor.url(input), expected);
      });
    }

    it('a query name that is not valid percent-encoding is kept raw', () => {
      assert.equal(
        redactor.url('https://api.test/x?%E0%A4%A=1&token=2'),
        'https://api.test/x?%E0%A4%A=1&token=REDACTED',
      );
    });
  });
});

describe('Redactor headers', () => {
  it('the default secret headers, in any case', () => {
    for (const name of [
      'Authorization',
      'proxy-authorization',
      'Cookie',
      'Set-Cookie',
      'X-API-Key',
      'api-key',
      'X-Auth-Token',
      'x-amz-security-token',
      'X-Goog-Api-Key',
      'X-CSRF-Token',
    ]) {
      assert.equal(redactor.isSecretHeader(name), true, name);
    }
  });

  it('look-alike names are secret too; ordinary headers are not', () => {
    for (const name of ['x-session-id', 'x-client-secret', 'x-upstream-credential', 'x-my-apikey']) {
      assert.equal(redactor.isSecretHeader(name), true, name);
    }
    for (const name of ['content-type', 'accept', 'user-agent', 'x-request-id', 'traceparent', 'retry-after']) {
      assert.equal(redactor.isSecretHeader(name), false, name);
    }
  });

  it('headers() copies with secret values replaced, arrays joined, undefined dropped, names kept', () => {
    assert.deepEqual(
      redactor.headers({
        Authorization: 'Bearer abc',
        'set-cookie': ['a=1', 'b=2'],
        accept: ['application/json', 'text/plain'],
        'content-type': 'text/plain',
        'x-missing': undefined,
      }),
      {
        Authorization: REDACTED,
        'set-cookie': REDACTED,
        accept: 'application/json, text/plain',
        'content-type': 'text/plain',
      },
    );
  });
});

describe('createRedactor options', () => {
  it('extra names are added to the defaults (trimmed, any case), never replace them', () => {
    const custom = createRedactor({ headers: [' X-Tenant '], query: ['Tenant_ID'] });
    assert.equal(custom.isSecretHeader('x-tenant'), true);
    assert.equal(custom.isSecretHeader('authorization'), true);
    assert.equal(custom.isSecretQuery('tenant_id'), true);
    assert.equal(custom.isSecretQuery('TENANT_ID'), true);
    assert.equal(
      custom.url('https://api.test/x?tenant_id=42&token=t&page=1'),
      'https://api.test/x?tenant_id=REDACTED&token=REDACTED&page=1',
    );
    assert.deepEqual(custom.headers({ 'X-Tenant': 'acme', cookie: 'c' }), { 'X-Tenant': REDACTED, cookie: REDACTED });
  });

  it('the extras of one redactor do not leak into another', () => {
    createRedactor({ query: ['tenant_id'], headers: ['x-tenant'] });
    assert.equal(redactor.isSecretQuery('tenant_id'), false);
    assert.equal(redactor.isSecretHeader('x-tenant'), false);
  });
});

describe('Redactor.scrub', () => {
  it('replaces every occurrence of every secret in free text', () => {
    assert.equal(
      redactor.scrub('token sk_live_abc failed; retried with sk_live_abc and pw hunter22', ['sk_live_abc', 'hunter22']),
      'token REDACTED failed; retried with REDACTED and pw REDACTED',
    );
  });

  it('values shorter than 4 characters are left, so ordinary words survive', () => {
    assert.equal(redactor.scrub('an abc error', ['abc', 'an']), 'an abc error');
    assert.equal(redactor.scrub('an abcd error', ['abcd']), 'an REDACTED error');
  });

  it('no secrets, or none present: the text comes back as it was', () => {
    assert.equal(redactor.scrub('nothing here', []), 'nothing here');
    assert.equal(redactor.scrub('nothing here', ['elsewhere']), 'nothing here');
  });
});

describe('the signed-URL families and OAuth, in any case (issue 21)', () => {
  const names = [
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    'AWSAccessKeyId',
    'Signature',
    'X-Goog-Signature',
    'X-Goog-Credential',
    'sig',
    'code',
    'authorization',
  ];
  for (const name of names) {
    for (const written of [name, name.toUpperCase(), name.toLowerCase()]) {
      it(`${written} in a URL, a query string and free text`, () => {
        assert.equal(redactor.isSecretQuery(written), true);
        assert.equal(redactor.url(`https://x.test/o?${written}=v4lue&p=1`), `https://x.test/o?${written}=REDACTED&p=1`);
        assert.equal(redactor.query(`p=1&${written}=v4lue`), `p=1&${written}=REDACTED`);
        assert.equal(redactor.query(`?${written}=v4lue`), `?${written}=REDACTED`);
        assert.equal(redactor.text(`GET /o?${written}=v4lue failed`), `GET /o?${written}=REDACTED failed`);
      });
    }
  }
});

describe('Redactor.query', () => {
  it('keeps other parameters exactly, and a query with nothing to hide comes back as it was', () => {
    assert.equal(redactor.query('q=caf%C3%A9+x&sv=2024&sig=abc%2Fdef'), 'q=caf%C3%A9+x&sv=2024&sig=REDACTED');
    assert.equal(redactor.query('page=2&limit=10'), 'page=2&limit=10');
    assert.equal(redactor.query(''), '');
  });

  it('the extra names of a redactor apply', () => {
    assert.equal(createRedactor({ query: ['tenant'] }).query('tenant=acme&page=1'), 'tenant=REDACTED&page=1');
  });
});

describe('Redactor.url: fragments and unparsable userinfo', () => {
  it('secret pairs in a fragment (OAuth implicit flow) are replaced; a plain anchor stays', () => {
    assert.equal(
      redactor.url('https://app.test/cb#access_token=abc&state=xyz'),
      'https://app.test/cb#access_token=REDACTED&state=xyz',
    );
    assert.equal(redactor.url('https://app.test/doc#section-2'), 'https://app.test/doc#section-2');
  });

  it('an unparsable URL loses everything to its last @, a raw @ in the password included', () => {
    assert.equal(redactor.url('http://user:p@ss@exa mple.com/'), 'http://REDACTED@exa mple.com/');
    assert.equal(redactor.url('user:hunter2@no-scheme'), 'REDACTED@no-scheme');
  });
});

describe('Redactor.text', () => {
  it('every URL in free text loses its userinfo and secret query values', () => {
    assert.equal(
      redactor.text('fetch https://u:p@a.test/x?sig=s1&page=2 then http://b.test/y?X-Amz-Signature=s2#k'),
      'fetch https://REDACTED:REDACTED@a.test/x?sig=REDACTED&page=2 then http://b.test/y?X-Amz-Signature=REDACTED#k',
    );
  });

  it('secret name=value pairs outside a URL, and Bearer/Basic credentials', () => {
    assert.equal(redactor.text('token=abc123, page=2'), 'token=REDACTED, page=2');
    assert.equal(redactor.text('{"url.query":"code=xyz&state=1"}'), '{"url.query":"code=REDACTED&state=1"}');
    assert.equal(redactor.text('sent Authorization: Bearer eyJhbGciOi.x.y'), 'sent Authorization: Bearer REDACTED');
    assert.equal(redactor.text('Basic dXNlcjpwYXNz rejected'), 'Basic REDACTED rejected');
  });

  it('text with nothing to hide comes back as it was; redacting twice changes nothing', () => {
    for (const text of ['connect ECONNREFUSED 127.0.0.1:8080', 'a basic mistake', 'page=2&limit=5', 'mail me@x.test']) {
      assert.equal(redactor.text(text), text);
    }
    const once = redactor.text('https://u:p@a.test/?token=t0k3n Bearer abcdefgh');
    assert.equal(redactor.text(once), once);
  });

  it('scrub() is text() plus the values given', () => {
    assert.equal(
      redactor.scrub('observer saw s3cr3t-value at https://a.test/?api_key=k3y', ['s3cr3t-value']),
      'observer saw REDACTED at https://a.test/?api_key=REDACTED',
    );
  });
});

describe('Redactor.key', () => {
  it('is equal for redactors with the same extra names, whatever their order or case', () => {
    assert.equal(createRedactor({ headers: ['B', 'a'] }).key, createRedactor({ headers: ['a', 'b'] }).key);
    assert.notEqual(createRedactor({ query: ['a'] }).key, createRedactor({ headers: ['a'] }).key);
    assert.notEqual(createRedactor().key, createRedactor({ query: ['tenant'] }).key);
  });
});
