import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer } from '../support/processes.js';
import { freePort, temporaryDirectory } from '../support/server.js';

/** Runs the compiled server as `npm start` does until it listens, then stops it with SIGTERM. */
async function startAndStop(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string }> {
  const server = await spawnServer(env, cwd);
  const code = await server.stop();
  return { code, stdout: server.stdout() };
}

describe('npm start', () => {
  it('starts with no configuration, prints the generated admin credentials once, and stops cleanly on SIGTERM', async () => {
    const cwd = temporaryDirectory('start');
    const port = await freePort();
    try {
      const run = await startAndStop({ PORT: String(port) }, cwd);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/client_id: +tgc_[0-9a-f]{24}/);
      expect(run.stdout).toMatch(/client_secret: +tgs_[A-Za-z0-9_-]{43}/);
      expect(run.stdout).toMatch(/SINGLE-NODE MODE/);
      expect(existsSync(join(cwd, 'data'))).toBe(true);
      expect(statSync(join(cwd, 'keys', 'key-encryption.key')).mode & 0o777).toBe(0o600);

      const again = await startAndStop({ PORT: String(port) }, cwd);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/client_secret/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('stops at startup with a message naming a bad variable', async () => {
    const cwd = temporaryDirectory('badenv');
    try {
      await expect(spawnServer({ PORT: 'eighty' }, cwd)).rejects.toThrow(/exited with 1\)[\s\S]*invalid configuration: PORT:/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start when the key-encryption key cannot decrypt the stored keys', async () => {
    const cwd = temporaryDirectory('kek');
    const port = await freePort();
    try {
      expect((await startAndStop({ PORT: String(port) }, cwd)).code).toBe(0);
      const wrongKey = Buffer.alloc(32, 7).toString('base64');
      await expect(spawnServer({ PORT: String(port), KEY_ENCRYPTION_KEY: wrongKey }, cwd)).rejects.toThrow(/exited with 1\)[\s\S]*cannot be decrypted/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
