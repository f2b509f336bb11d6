import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTarget, type Target } from '../../../src/pipeline/resolveTarget.js';
import { pipelineConfig } from '../helpers/pipelineConfig.js';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

describe('resolveTarget', () => {
  describe('a relative path is appended to baseUrl’s path', () => {
    const cases: [string, string, string][] = [
      ['https://api.test/v1', 'users/1', '/v1/users/1'],
      ['https://api.test/v1', '/users/1', '/v1/users/1'],
      ['https://api.test/v1/', '/users/1', '/v1/users/1'],
      ['https://api.test/v1//', 'users', '/v1/users'],
      ['https://api.test', 'users?page=2', '/users?page=2'],
      ['https://api.test/', '/', '/'],
      ['https://api.test/v1', '', '/v1/'],
    ];
    for (const [baseUrl, path, expected] of cases) {
      it(`${baseUrl} + ${JSON.stringify(path)} → ${expected}`, () => {
        const target = resolveTarget(pipelineConfig(baseUrl), path);
        assert.deepEqual(target, {
          origin: 'https://api.test',
          path: expected,
          href: `https://api.test${expected}`,
          hostname: 'api.test',
          port: 443,
        } satisfies Target);
      });
    }

    it('a protocol-relative path stays on the base origin', () => {
      const target = resolveTarget(pipelineConfig('https://api.test'), '//evil.test/x');
      assert.equal(target.origin, 'https://api.test');
      assert.equal(target.hostname, 'api.test');
      assert.equal(target.href, 'https://api.test//evil.test/x');
    });
  });

  describe('an absolute URL stands alone', () => {
    it('with a baseUrl, as a string or a URL', () => {
      const config = pipelineConfig('https://api.test/v1');
      for (const path of ['http://other.test:8080/x?y=1', new URL('http://other.test:8080/x?y=1')]) {
        assert.deepEqual(resolveTarget(config, path), {
          origin: 'http://other.test:8080',
          path: '/x?y=1',
          href: 'http://other.test:8080/x?y=1',
          hostname: 'other.test',
          port: 8080,
        });
      }
    });

    it('without a baseUrl', () => {
      assert.equal(resolveTarget(pipelineConfig(undefined), 'https://API.test/A').href, 'https://api.test/A');
    });
  });

  describe('userinfo becomes Basic authorization and leaves the URL', () => {
    it('user and password, percent-decoded', () => {
      const target = resolveTarget(pipelineConfig(undefined), 'https://us%40er:p%3Ass%20w@api.test/x');
      assert.equal(target.authorization, basic('us@er', 'p:ss w'));
      assert.equal(target.href, 'https://api.test/x');
      assert.equal(target.origin, 'https://api.test');
    });

    it('a user alone, and non-ASCII credentials as UTF-8', () => {
      const config = pipelineConfig(undefined);
      assert.equal(resolveTarget(config, 'https://alice@api.test/').authorization, basic('alice', ''));
      assert.equal(resolveTarget(config, 'https://j%C3%B6rg:p%C3%A4ss@api.test/').authorization, basic('jörg', 'päss'));
    });

    it('the caller’s URL object is not changed', () => {
      const url = new URL('https://u:p@api.test/x');
      resolveTarget(pipelineConfig(undefined), url);
      assert.equal(url.href, 'https://u:p@api.test/x');
    });

    it('no userinfo, no authorization property at all', () => {
      const target = resolveTarget(pipelineConfig(undefined), 'https://api.test/x');
      assert.equal('authorization' in target, false);
    });
  });

  describe('fragments are dropped', () => {
    for (const [baseUrl, path, expected] of [
      [undefined, 'https://api.test/x?q=1#section', 'https://api.test/x?q=1'],
      [undefined, 'https://api.test/x#', 'https://api.test/x'],
      ['https://api.test/v1', 'x#frag', 'https://api.test/v1/x'],
      ['https://api.test/v1', 'x?q=1#frag', 'https://api.test/v1/x?q=1'],
    ] as const) {
      it(`${path} → ${expected}`, () => {
        const target = resolveTarget(pipelineConfig(baseUrl), path);
        assert.equal(target.href, expected);
        assert.equal(target.path.includes('#'), false);
      });
    }
  });

  describe('non-ASCII and spaces are normalised as the URL parser encodes them', () => {
    it('in a relative path and query', () => {
      const target = resolveTarget(pipelineConfig('https://api.test/v1'), 'café/a b?q=ü');
      assert.equal(target.path, '/v1/caf%C3%A9/a%20b?q=%C3%BC');
      assert.equal(target.href, 'https://api.test/v1/caf%C3%A9/a%20b?q=%C3%BC');
    });

    it('in an absolute URL’s host (punycode) and path', () => {
      const target = resolveTarget(pipelineConfig(undefined), 'https://bücher.test/ü');
      assert.equal(target.hostname, 'xn--bcher-kva.test');
      assert.equal(target.origin, 'https://xn--bcher-kva.test');
      assert.equal(target.path, '/%C3%BC');
    });

    it('a path already percent-encoded is left as it is', () => {
      assert.equal(resolveTarget(pipelineConfig('https://api.test'), '/caf%C3%A9').path, '/caf%C3%A9');
    });
  });

  describe('IPv6 hosts', () => {
    it('an absolute URL: bracketed origin, bare hostname', () => {
      assert.deepEqual(resolveTarget(pipelineConfig(undefined), 'http://[::1]:8080/x'), {
        origin: 'http://[::1]:8080',
        path: '/x',
        href: 'http://[::1]:8080/x',
        hostname: '::1',
        port: 8080,
      });
    });

    it('a relative path on an IPv6 baseUrl, with and without normalising', () => {
      const config = pipelineConfig('https://[2001:db8::1]/api');
      for (const path of ['x', 'x#f']) {
        const target = resolveTarget(config, path);
        assert.equal(target.hostname, '2001:db8::1');
        assert.equal(target.port, 443);
        assert.equal(target.href, 'https://[2001:db8::1]/api/x');
      }
    });
  });

  describe('ports', () => {
    for (const [url, port] of [
      ['http://api.test/', 80],
      ['https://api.test/', 443],
      ['http://api.test:80/', 80],
      ['https://api.test:443/', 443],
      ['https://api.test:80/', 80],
      ['http://api.test:8443/', 8443],
    ] as const) {
      it(`${url} → ${port}`, () => {
        assert.equal(resolveTarget(pipelineConfig(undefined), url).port, port);
        assert.equal(resolveTarget(pipelineConfig(url), 'x').port, port);
        assert.equal(resolveTarget(pipelineConfig(url), 'x#normalised').port, port);
      });
    }
  });

  describe('errors', () => {
    it('a relative path without baseUrl is a TypeError naming the path', () => {
      assert.throws(() => resolveTarget(pipelineConfig(undefined), '/users'), {
        name: 'TypeError',
        message: 'Cannot resolve relative path "/users": the client has no baseUrl',
      });
      assert.throws(() => resolveTarget(pipelineConfig(undefined), 'users'), TypeError);
    });

    for (const url of ['ftp://files.test/x', 'file:///etc/passwd', 'ws://api.test/socket', 'data:text/plain,hi']) {
      it(`unsupported protocol: ${url}`, () => {
        for (const config of [pipelineConfig(undefined), pipelineConfig('https://api.test')]) {
          assert.throws(() => resolveTarget(config, url), {
            name: 'TypeError',
            message: `Unsupported protocol ${new URL(url).protocol} (http: and https: are)`,
          });
          assert.throws(() => resolveTarget(config, new URL(url)), TypeError);
        }
      });
    }

    it('an absolute URL that does not parse is a TypeError', () => {
      assert.throws(() => resolveTarget(pipelineConfig('https://api.test'), 'http://'), TypeError);
      assert.throws(() => resolveTarget(pipelineConfig(undefined), 'https://[::1/x'), TypeError);
    });
  });
});
