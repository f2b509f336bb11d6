// Makes sure the real upstreams the suites run against are installed: Debian's
// python3-httpbin with gunicorn (the reference upstream), prometheus (the real
// scraper for the dashboard test), redis-server (the fleet's shared state, one server,
// a cluster and TLS) and openssl (the TLS tests' certificates). Installs them with apt-get when they are missing and
// this is a Debian machine where we are root; otherwise says exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  {
    pkg: 'python3-httpbin',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import httpbin'], { stdio: 'ignore' }).status === 0,
  },
  {
    pkg: 'gunicorn',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import gunicorn'], { stdio: 'ignore' }).status === 0,
  },
  {
    pkg: 'prometheus',
    present: () => existsSync('/usr/bin/prometheus') && existsSync('/usr/bin/promtool'),
  },
  {
    pkg: 'redis-server',
    present: () => existsSync('/usr/bin/redis-server') && existsSync('/usr/bin/redis-cli'),
  },
  {
    // Certificates for the TLS Redis tests are made in the test, with the openssl CLI.
    pkg: 'openssl',
    present: () => existsSync('/usr/bin/openssl'),
  },
];
const missing = wanted.filter((w) => !w.present()).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);

const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  console.error(
    `The test suites need these Debian packages: ${missing.join(' ')}\n  sudo apt-get install -y ${missing.join(' ')}`,
  );
  process.exit(1);
}
console.error(`Installing the suites' real upstreams: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env,
});
