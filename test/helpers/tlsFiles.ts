import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The PEM files of a test PKI, in a temp dir: paths. */
export interface TlsFiles {
  readonly dir: string;
  /** The CA that signed the server's and the client's certificates. */
  readonly ca: string;
  /** Another CA, which signed nothing the server shows. */
  readonly otherCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A key that is not the client certificate's. */
  readonly otherKey: string;
  /** Removes the dir. */
  remove(): void;
}

/**
 * Self-signed certificates made with the openssl CLI (Debian's `openssl` package): a CA,
 * a server certificate for 127.0.0.1 and localhost, a client certificate, both signed by
 * the CA, and another CA. P-256 keys: quick to make.
 */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      path(`${ca}.key`),
      '-out',
      path(`${ca}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=faultline test ${ca}`,
    );
  }
  writeFileSync(path('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client', 'other']) {
    openssl('req', ...newKey, '-keyout', path(`${who}.key`), '-out', path(`${who}.csr`), '-subj', `/CN=${who}`);
    openssl(
      'x509',
      '-req',
      '-in',
      path(`${who}.csr`),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path(`${who}.crt`),
      '-days',
      '2',
      '-extfile',
      path('san.ext'),
    );
  }
  return {
    dir,
    ca: path('ca.crt'),
    otherCa: path('other-ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherKey: path('other.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
