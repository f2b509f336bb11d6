import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../src/index.js';
import { checkEnvConfig, readEnvConfig } from '../../../src/config/envConfig.js';
import { effectiveConfig } from '../../../src/config/effectiveConfig.js';
import { maskProxyCredentials } from '../../../src/config/proxySettings.js';
import { maskCredentials } from '../../../src/core/maskCredentials.js';
import { makeTlsFiles, type TlsFiles } from '../../helpers/tlsFiles.js';

const PASSWORD = 'hunter2-Pw';

/** FAULTLINE_REDIS_URL, FAULTLINE_REDIS_CLUSTER_NODES and the TLS files, as the environment gives them. */
describe('Redis settings from the environment', () => {
  let files: TlsFiles;
  let notPem: string;
  let encryptedKey: string;
  before(() => {
    files = makeTlsFiles();
    notPem = join(files.dir, 'notes.txt');
    writeFileSync(notPem, 'not a certificate\n');
    encryptedKey = join(files.dir, 'encrypted.key');
    execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      files.clientKey,
      '-out',
      encryptedKey,
      '-v2',
      'aes-256-cbc',
      '-passout',
      'pass:secret',
    ]);
  });
  after(() => files.remove());

  const tlsEnv = () => ({
    FAULTLINE_REDIS_URL: `rediss://app:${PASSWORD}@cache.internal:6380`,
    FAULTLINE_REDIS_TLS_CA: files.ca,
    FAULTLINE_REDIS_TLS_CERT: files.clientCert,
    FAULTLINE_REDIS_TLS_KEY: files.clientKey,
  });

  it('reads the TLS files once, the key kept out of what a serialized configuration shows', () => {
    const config = readEnvConfig(tlsEnv());
    assert.equal(config.redisTls?.ca, readFileSync(files.ca, 'utf8'));
    assert.equal(config.redisTls?.cert, readFileSync(files.clientCert, 'utf8'));
    assert.equal(config.redisTls?.key, readFileSync(files.clientKey, 'utf8'));
    assert.doesNotMatch(JSON.stringify(config), /PRIVATE KEY/);
    // Only the CA: a server verified against it, no client certificate.
    assert.deepEqual(
      readEnvConfig({ FAULTLINE_REDIS_URL: 'rediss://cache:6380', FAULTLINE_REDIS_TLS_CA: files.ca }).redisTls,
      { ca: readFileSync(files.ca, 'utf8') },
    );
  });

  it('reads the cluster seed nodes; the URL gives scheme and credentials', () => {
    const config = readEnvConfig({
      FAULTLINE_REDIS_URL: `rediss://app:${PASSWORD}@clustercfg.cache.internal:6379`,
      FAULTLINE_REDIS_CLUSTER_NODES: ' node-1.cache.internal:6379, 10.0.0.7:6380,[fd00::7]:6381 ,',
    });
    assert.deepEqual(config.redisClusterNodes, [
      { host: 'node-1.cache.internal', port: 6379 },
      { host: '10.0.0.7', port: 6380 },
      { host: 'fd00::7', port: 6381 },
    ]);
    assert.deepEqual(readEnvConfig({ FAULTLINE_REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).redisClusterNodes, [
      { host: '127.0.0.1', port: 7000 },
    ]);
  });

  it('a ConfigError names the variable for every wrong value, no password in it', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { FAULTLINE_REDIS_CLUSTER_NODES: 'cache.internal' },
        'FAULTLINE_REDIS_CLUSTER_NODES',
        /has a bad seed "cache\.internal"/,
      ],
      [{ FAULTLINE_REDIS_CLUSTER_NODES: 'a:6379,b:port' }, 'FAULTLINE_REDIS_CLUSTER_NODES', /has a bad seed "b:port"/],
      [{ FAULTLINE_REDIS_CLUSTER_NODES: 'a:70000' }, 'FAULTLINE_REDIS_CLUSTER_NODES', /has a bad seed "a:70000"/],
      [{ FAULTLINE_REDIS_CLUSTER_NODES: 'a:0' }, 'FAULTLINE_REDIS_CLUSTER_NODES', /has a bad seed "a:0"/],
      [{ FAULTLINE_REDIS_CLUSTER_NODES: ' , ,' }, 'FAULTLINE_REDIS_CLUSTER_NODES', /lists no nodes/],
      [
        { FAULTLINE_REDIS_CLUSTER_NODES: `rediss://app:${PASSWORD}@a:6379` },
        'FAULTLINE_REDIS_CLUSTER_NODES',
        /has a URL "rediss:\/\/\*\*\*\*@a:6379"; expected a comma list of host:port seed nodes/,
      ],
      [
        { FAULTLINE_REDIS_URL: `redis://app:${PASSWORD}@cfg:6379/3`, FAULTLINE_REDIS_CLUSTER_NODES: 'a:6379' },
        'FAULTLINE_REDIS_URL',
        /selects database 3 with FAULTLINE_REDIS_CLUSTER_NODES set; expected no database/,
      ],
      [
        { FAULTLINE_REDIS_URL: 'rediss://cache:6380', FAULTLINE_REDIS_TLS_CA: '/nonexistent/ca.pem' },
        'FAULTLINE_REDIS_TLS_CA',
        /FAULTLINE_REDIS_TLS_CA="\/nonexistent\/ca.pem" cannot be read \(ENOENT\); expected a readable PEM file/,
      ],
      [{ ...tlsEnv(), FAULTLINE_REDIS_TLS_CA: notPem }, 'FAULTLINE_REDIS_TLS_CA', /holds no PEM certificate/],
      [{ ...tlsEnv(), FAULTLINE_REDIS_TLS_CA: files.clientKey }, 'FAULTLINE_REDIS_TLS_CA', /holds no PEM certificate/],
      [{ ...tlsEnv(), FAULTLINE_REDIS_TLS_CERT: notPem }, 'FAULTLINE_REDIS_TLS_CERT', /holds no PEM certificate/],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_TLS_KEY: files.clientCert },
        'FAULTLINE_REDIS_TLS_KEY',
        /holds no PEM private key/,
      ],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_TLS_KEY: encryptedKey },
        'FAULTLINE_REDIS_TLS_KEY',
        /holds an encrypted private key/,
      ],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_TLS_KEY: files.otherKey },
        'FAULTLINE_REDIS_TLS_KEY',
        /is not the key of the certificate in FAULTLINE_REDIS_TLS_CERT/,
      ],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_TLS_KEY: '' },
        'FAULTLINE_REDIS_TLS_CERT',
        /is set without FAULTLINE_REDIS_TLS_KEY; expected both FAULTLINE_REDIS_TLS_CERT and FAULTLINE_REDIS_TLS_KEY/,
      ],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_TLS_CERT: ' ' },
        'FAULTLINE_REDIS_TLS_KEY',
        /is set without FAULTLINE_REDIS_TLS_CERT/,
      ],
      [
        { ...tlsEnv(), FAULTLINE_REDIS_URL: `redis://app:${PASSWORD}@cache.internal:6379` },
        'FAULTLINE_REDIS_TLS_CA',
        /is set but FAULTLINE_REDIS_URL is not rediss:\/\/; expected a rediss:\/\/ FAULTLINE_REDIS_URL/,
      ],
      [
        { FAULTLINE_REDIS_TLS_CERT: files.clientCert, FAULTLINE_REDIS_TLS_KEY: files.clientKey },
        'FAULTLINE_REDIS_TLS_CERT',
        /is set without FAULTLINE_REDIS_URL/,
      ],
      [
        { FAULTLINE_REDIS_CLUSTER_NODES: 'a:6379', FAULTLINE_REDIS_TLS_CA: files.ca },
        'FAULTLINE_REDIS_TLS_CA',
        /is set without FAULTLINE_REDIS_URL/,
      ],
    ];
    for (const [env, variable, message] of cases) {
      assert.throws(
        () => readEnvConfig(env),
        (error) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.equal(error.variable, variable, error.message);
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, new RegExp(PASSWORD));
          assert.doesNotMatch(JSON.stringify(error.value), new RegExp(PASSWORD));
          assert.doesNotMatch(error.message, /-----BEGIN|MII/, 'no file content in the message');
          return true;
        },
        `${JSON.stringify(env)} → ${variable}`,
      );
    }
  });

  it('an empty TLS variable is unset; a wrong URL does not also make the TLS files wrong', () => {
    assert.equal(
      readEnvConfig({ ...tlsEnv(), FAULTLINE_REDIS_TLS_CERT: '', FAULTLINE_REDIS_TLS_KEY: '' }).redisTls?.cert,
      undefined,
    );
    const { problems } = checkEnvConfig({
      ...tlsEnv(),
      FAULTLINE_REDIS_URL: `rediss://app:${PASSWORD}@`,
      FAULTLINE_REDIS_CLUSTER_NODES: 'a:b',
    });
    assert.deepEqual(
      problems.map((p) => p.variable),
      ['FAULTLINE_REDIS_URL', 'FAULTLINE_REDIS_CLUSTER_NODES'],
    );
    assert.match(problems[0]!.message, /FAULTLINE_REDIS_URL="rediss:\/\/\*\*\*\*@" is not a Redis URL/);
  });

  it('faultline check shows the URL with its password masked, the nodes, and the files by name', () => {
    const settings = effectiveConfig({
      ...tlsEnv(),
      FAULTLINE_REDIS_URL: `rediss://app:${PASSWORD}@clustercfg.cache.internal:6379`,
      FAULTLINE_REDIS_CLUSTER_NODES: 'node-1.cache.internal:6379,[fd00::7]:6381',
    });
    const shown = Object.fromEntries(settings.map((s) => [s.name, `${s.value} (${s.source})`]));
    assert.equal(shown['FAULTLINE_REDIS_URL'], 'rediss://app:****@clustercfg.cache.internal:6379 (environment)');
    assert.equal(shown['FAULTLINE_REDIS_CLUSTER_NODES'], 'node-1.cache.internal:6379,[fd00::7]:6381 (environment)');
    assert.equal(shown['FAULTLINE_REDIS_TLS_CA'], `${files.ca} (environment)`);
    assert.equal(shown['FAULTLINE_REDIS_TLS_CERT'], `${files.clientCert} (environment)`);
    assert.equal(shown['FAULTLINE_REDIS_TLS_KEY'], `${files.clientKey} (environment)`);
    assert.doesNotMatch(JSON.stringify(settings), new RegExp(`${PASSWORD}|BEGIN`));
    const unset = Object.fromEntries(effectiveConfig({}).map((s) => [s.name, s.source]));
    assert.equal(unset['FAULTLINE_REDIS_CLUSTER_NODES'], 'unset');
    assert.equal(unset['FAULTLINE_REDIS_TLS_KEY'], 'unset');
  });

  it('one masking function: the Redis URL keeps its user, a proxy URL masks all its userinfo', () => {
    assert.equal(
      maskCredentials(`rediss://app:${PASSWORD}@cache:6380/0`, '****', true),
      'rediss://app:****@cache:6380/0',
    );
    assert.equal(maskCredentials(`redis://:${PASSWORD}@cache`, '****', true), 'redis://****@cache');
    assert.equal(maskCredentials('redis://token-only@cache', '****', true), 'redis://****@cache');
    // A password with a raw @ or / is masked whole, parsable or not.
    assert.equal(maskCredentials('rediss://app:p@ss/w#rd@cache:6380', '****', true), 'rediss://app:****@cache:6380');
    assert.equal(maskCredentials('rediss://cache:6380', '****', true), 'rediss://cache:6380');
    assert.equal(maskProxyCredentials('http://egress:pw@proxy:3128'), 'http://REDACTED@proxy:3128');
    assert.equal(maskProxyCredentials('egress:pw@proxy:3128'), 'REDACTED@proxy:3128');
  });
});
