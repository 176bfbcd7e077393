import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initializeDataDir } from '../support/embedded-data.js';
import { tokenFor } from '../support/oauth.js';
import { runServerOnTerminal, type ServerProcess, spawnServer } from '../support/processes.js';
import { freePort, temporaryDirectory } from '../support/server.js';

/** Runs the compiled server as `npm start` does until it listens, then stops it with SIGTERM. */
async function startAndStop(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string }> {
  const server = await spawnServer(env, cwd);
  const code = await server.stop();
  return { code, stdout: server.stdout() };
}

/**
 * The default DATA_DIR (./data) already initialised: initdb in an empty directory is the first test's
 * subject, not these.
 */
async function initializedDefaultDataDir(cwd: string): Promise<void> {
  mkdirSync(join(cwd, 'data'), { mode: 0o700 });
  await initializeDataDir(join(cwd, 'data'));
}

/** The KEY=value lines of an env file. */
function readEnvFile(path: string): Record<string, string> {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('npm start', () => {
  it('starts with no configuration, writes the generated admin credentials to a 0600 file (never to its output), and stops cleanly on SIGTERM', async () => {
    const cwd = temporaryDirectory('start');
    const port = await freePort();
    const credentialsFile = join(cwd, 'keys', 'initial-admin.env');
    // As a git checkout has it: keys/ holds a README and is 0755.
    mkdirSync(join(cwd, 'keys'), { mode: 0o755 });
    chmodSync(join(cwd, 'keys'), 0o755);
    writeFileSync(join(cwd, 'keys', 'README.md'), '# keys/\n');
    let server: ServerProcess | undefined;
    try {
      server = await spawnServer({ PORT: String(port) }, cwd);
      const credentials = readEnvFile(credentialsFile);
      expect(credentials.TOLLGATE_CLIENT_ID).toMatch(/^tgc_[0-9a-f]{24}$/);
      expect(credentials.TOLLGATE_CLIENT_SECRET).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);
      expect(credentials.TOLLGATE_TOKEN_ENDPOINT).toBe(`http://localhost:${port}/token`);
      await tokenFor(`http://127.0.0.1:${port}`, {
        client_id: credentials.TOLLGATE_CLIENT_ID!,
        client_secret: credentials.TOLLGATE_CLIENT_SECRET!,
      });
      expect(await server.stop()).toBe(0);
      // Neither stdout nor stderr is a terminal here: the secret is in neither, the file's path is logged.
      expect(server.output()).not.toContain(credentials.TOLLGATE_CLIENT_SECRET);
      expect(server.stdout()).toContain(`"client_id":"${credentials.TOLLGATE_CLIENT_ID}","credentials_file":"`);
      expect(server.stdout()).toMatch(/"credentials_file":"[^"]*\/keys\/initial-admin\.env"/);
      expect(server.stdout()).toMatch(/SINGLE-NODE MODE/);
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(cwd, 'keys', 'key-encryption.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(cwd, 'keys')).mode & 0o777).toBe(0o700);
      expect(statSync(join(cwd, 'data')).mode & 0o777).toBe(0o700);

      const written = readFileSync(credentialsFile, 'utf8');
      const again = await startAndStop({ PORT: String(port) }, cwd);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/credentials_file|client_secret/);
      expect(readFileSync(credentialsFile, 'utf8')).toBe(written);
    } finally {
      // A failed expectation must not leave the server running.
      if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);

  it('shows the generated admin credentials on the terminal when one is attached', async () => {
    const cwd = temporaryDirectory('terminal');
    try {
      await initializedDefaultDataDir(cwd);
      const shown = await runServerOnTerminal({ PORT: String(await freePort()) }, cwd);
      const credentials = readEnvFile(join(cwd, 'keys', 'initial-admin.env'));
      expect(shown).toContain(`client_id:      ${credentials.TOLLGATE_CLIENT_ID}`);
      expect(shown).toContain(`client_secret:  ${credentials.TOLLGATE_CLIENT_SECRET}`);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('stops at startup with a message naming a bad variable', async () => {
    const cwd = temporaryDirectory('badenv');
    try {
      await expect(spawnServer({ PORT: 'eighty' }, cwd)).rejects.toThrow(
        /exited with 1\)[\s\S]*invalid configuration: PORT:/,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start when the key-encryption key cannot decrypt the stored keys', async () => {
    const cwd = temporaryDirectory('kek');
    const port = await freePort();
    try {
      await initializedDefaultDataDir(cwd);
      expect((await startAndStop({ PORT: String(port) }, cwd)).code).toBe(0);
      const wrongKey = Buffer.alloc(32, 7).toString('base64');
      await expect(spawnServer({ PORT: String(port), KEY_ENCRYPTION_KEY: wrongKey }, cwd)).rejects.toThrow(
        /exited with 1\)[\s\S]*cannot be decrypted/,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
