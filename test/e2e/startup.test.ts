import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, temporaryDirectory } from '../support/server.js';

const MAIN = resolve('dist/src/main.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the compiled server as `npm start` does; `until` decides when to send SIGTERM. */
function runServer(env: Record<string, string>, cwd: string, until: (stdout: string) => boolean): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!signalled && until(stdout)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('npm start', () => {
  it('starts with no configuration, prints the generated admin credentials once, and stops cleanly on SIGTERM', async () => {
    const cwd = temporaryDirectory('start');
    const port = await freePort();
    try {
      const run = await runServer({ PORT: String(port) }, cwd, (out) => out.includes('"listening"'));
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/client_id: +tgc_[0-9a-f]{24}/);
      expect(run.stdout).toMatch(/client_secret: +tgs_[A-Za-z0-9_-]{43}/);
      expect(run.stdout).toMatch(/SINGLE-NODE MODE/);
      expect(existsSync(join(cwd, 'data'))).toBe(true);
      expect(statSync(join(cwd, 'keys', 'key-encryption.key')).mode & 0o777).toBe(0o600);

      const again = await runServer({ PORT: String(port) }, cwd, (out) => out.includes('"listening"'));
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/client_secret/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('stops at startup with a message naming a bad variable', async () => {
    const cwd = temporaryDirectory('badenv');
    try {
      const run = await runServer({ PORT: 'eighty' }, cwd, () => false);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/invalid configuration: PORT:/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start when the key-encryption key cannot decrypt the stored keys', async () => {
    const cwd = temporaryDirectory('kek');
    const port = await freePort();
    try {
      const first = await runServer({ PORT: String(port) }, cwd, (out) => out.includes('"listening"'));
      expect(first.code).toBe(0);
      const wrongKey = Buffer.alloc(32, 7).toString('base64');
      const run = await runServer({ PORT: String(port), KEY_ENCRYPTION_KEY: wrongKey }, cwd, () => false);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/cannot be decrypted/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
