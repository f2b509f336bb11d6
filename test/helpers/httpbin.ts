import { type ChildProcess, spawn } from 'node:child_process';
import { closedPort } from '../../src/testing/index.js';

/** Debian's python3-httpbin served by gunicorn on loopback. */
export interface Httpbin {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts httpbin (`/usr/bin/python3 -m gunicorn httpbin:app`) on a free loopback port and
 * waits until it answers. .ci/run installs the Debian packages.
 */
export async function startHttpbin(): Promise<Httpbin> {
  const port = await closedPort();
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    ['-m', 'gunicorn', '-w', '2', '-b', `127.0.0.1:${port}`, 'httpbin:app'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`httpbin exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/get`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`httpbin did not start within 20 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
