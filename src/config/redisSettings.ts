import { nodeCrypto, nodeFs } from '../core/nodeBuiltins.js';
import { maskCredentials } from '../core/maskCredentials.js';
import { ConfigError } from '../errors/ConfigError.js';
import { type Env, envValue } from './envValue.js';

/** A cluster seed node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * The PEM texts of `FAULTLINE_REDIS_TLS_CA` / `_CERT` / `_KEY`, read once when the
 * configuration is. `key` is not enumerable: a configuration logged or serialized whole
 * does not carry the private key with it.
 */
export interface RedisTlsFiles {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export const TLS_VARIABLES = {
  ca: 'FAULTLINE_REDIS_TLS_CA',
  cert: 'FAULTLINE_REDIS_TLS_CERT',
  key: 'FAULTLINE_REDIS_TLS_KEY',
} as const;

const URL_ACCEPTED = 'redis://[user:password@]host[:port][/db] or rediss://';
const NODES_ACCEPTED =
  'a comma list of host:port seed nodes ([ipv6]:port allowed); the scheme and credentials go in FAULTLINE_REDIS_URL';

/** `FAULTLINE_REDIS_URL`'s value as a URL, with its password masked. */
export function maskRedisUrl(url: string): string {
  return maskCredentials(url, '****', true);
}

/**
 * Reads `FAULTLINE_REDIS_URL`. With cluster nodes, a database other than 0 is refused: a
 * cluster has no other.
 *
 * @throws {ConfigError} naming the variable, the password masked in the message.
 */
export function readRedisUrl(env: Env, clustered: boolean): string | undefined {
  const name = 'FAULTLINE_REDIS_URL';
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    // Not parsable: which part is the user cannot be told, so all of the userinfo goes.
    throw new ConfigError(name, maskCredentials(raw, '****'), 'is not a Redis URL', URL_ACCEPTED);
  }
  if (clustered && url.pathname !== '' && url.pathname !== '/' && url.pathname !== '/0') {
    throw new ConfigError(
      name,
      maskRedisUrl(raw),
      `selects database ${url.pathname.slice(1)} with FAULTLINE_REDIS_CLUSTER_NODES set`,
      'no database (or /0): a Redis Cluster has database 0 only',
    );
  }
  return raw;
}

/**
 * Reads `FAULTLINE_REDIS_CLUSTER_NODES`: seed nodes as `host:port`, comma separated.
 *
 * @throws {ConfigError} naming the variable for an empty list or an entry that is not host:port.
 */
export function readClusterNodes(env: Env): RedisNode[] | undefined {
  const name = 'FAULTLINE_REDIS_CLUSTER_NODES';
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const shown = maskCredentials(raw, '****');
  const nodes: RedisNode[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)):(\d{1,5})$/i.exec(entry);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65_535) {
      const what = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.includes('@') ? 'a URL' : 'a bad seed';
      throw new ConfigError(name, shown, `has ${what} "${maskCredentials(entry, '****')}"`, NODES_ACCEPTED);
    }
    nodes.push({ host: match[1] ?? match[2] ?? '', port });
  }
  if (nodes.length === 0) throw new ConfigError(name, shown, 'lists no nodes', NODES_ACCEPTED);
  return nodes;
}

/**
 * Reads the files named by `FAULTLINE_REDIS_TLS_CA` / `_CERT` / `_KEY`, once. TLS is
 * asked for by a `rediss://` `FAULTLINE_REDIS_URL`: the files without one are a mistake
 * (a `redis://` URL would send the client key nowhere and the data in clear), and so is a
 * certificate without its key or a key without its certificate.
 *
 * @throws {ConfigError} naming the variable: an unreadable file, a file that is not PEM, a
 * key that does not match the certificate, a missing half of the pair, no rediss:// URL.
 */
export function readRedisTls(env: Env, url: string | undefined): RedisTlsFiles | undefined {
  const paths = {
    ca: envValue(env, TLS_VARIABLES.ca),
    cert: envValue(env, TLS_VARIABLES.cert),
    key: envValue(env, TLS_VARIABLES.key),
  };
  const set = (Object.keys(paths) as (keyof typeof paths)[]).filter((part) => paths[part] !== undefined);
  const [first] = set;
  if (first === undefined) return undefined;
  if (url === undefined || !/^rediss:/i.test(url)) {
    throw new ConfigError(
      TLS_VARIABLES[first],
      paths[first],
      url === undefined ? 'is set without FAULTLINE_REDIS_URL' : 'is set but FAULTLINE_REDIS_URL is not rediss://',
      'a rediss:// FAULTLINE_REDIS_URL with the TLS files, or no TLS files',
    );
  }
  for (const [half, other] of [
    ['cert', 'key'],
    ['key', 'cert'],
  ] as const) {
    if (paths[half] !== undefined && paths[other] === undefined) {
      throw new ConfigError(
        TLS_VARIABLES[half],
        paths[half],
        `is set without ${TLS_VARIABLES[other]}`,
        `both ${TLS_VARIABLES.cert} and ${TLS_VARIABLES.key} (client certificate authentication), or neither`,
      );
    }
  }
  const ca = paths.ca === undefined ? undefined : readPem(TLS_VARIABLES.ca, paths.ca, 'certificate');
  const files: { ca?: string; cert?: string; key?: string } = ca === undefined ? {} : { ca };
  if (paths.cert !== undefined && paths.key !== undefined) {
    const cert = readPem(TLS_VARIABLES.cert, paths.cert, 'certificate');
    const key = readPem(TLS_VARIABLES.key, paths.key, 'key');
    const { createPrivateKey, X509Certificate } = nodeCrypto();
    let matches = false;
    try {
      matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
    } catch {
      matches = false;
    }
    if (!matches) {
      throw new ConfigError(
        TLS_VARIABLES.key,
        paths.key,
        `is not the key of the certificate in ${TLS_VARIABLES.cert}`,
        'the private key that goes with the client certificate',
      );
    }
    files.cert = cert;
    Object.defineProperty(files, 'key', { value: key, enumerable: false });
  }
  return files;
}

/** The file's text, checked to be PEM that Node's TLS can use: certificates, or one private key. */
function readPem(name: string, path: string, what: 'certificate' | 'key'): string {
  let text: string;
  try {
    text = nodeFs().readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(
      name,
      path,
      `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      'a readable PEM file',
    );
  }
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
  const accepted =
    what === 'certificate' ? 'a PEM file of certificates (BEGIN CERTIFICATE)' : 'a PEM private key file, not encrypted';
  const { createPrivateKey, X509Certificate } = nodeCrypto();
  if (what === 'certificate') {
    const certs = blocks.filter((block) => block[1] === 'CERTIFICATE');
    if (certs.length === 0) throw new ConfigError(name, path, 'holds no PEM certificate', accepted);
    for (const block of certs) {
      try {
        new X509Certificate(block[0]);
      } catch {
        throw new ConfigError(name, path, 'holds a certificate that does not parse', accepted);
      }
    }
    return text;
  }
  const key = blocks.find((block) => block[1]?.endsWith('PRIVATE KEY'));
  if (key === undefined) throw new ConfigError(name, path, 'holds no PEM private key', accepted);
  if (key[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(key[0]))
    throw new ConfigError(name, path, 'holds an encrypted private key', accepted);
  try {
    createPrivateKey(key[0]);
  } catch {
    throw new ConfigError(name, path, 'holds a private key that does not parse', accepted);
  }
  return text;
}
