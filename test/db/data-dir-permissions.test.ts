import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminToken, createClient } from '../support/oauth.js';
import { spawnTollgate } from '../support/processes.js';
import { temporaryDirectory } from '../support/server.js';

/** Every file and directory below `dir`, with its permission bits. */
function entriesBelow(dir: string): { path: string; mode: number; directory: boolean }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => {
    const stats = lstatSync(join(dir, name));
    return { path: name, mode: stats.mode & 0o777, directory: stats.isDirectory() };
  });
}

/** What in `dir` (itself included) its group or others may use, as "path 0644" for a readable failure. */
function openToOthers(dir: string): string[] {
  const entries = [{ path: '.', mode: lstatSync(dir).mode & 0o777 }, ...entriesBelow(dir)];
  return entries.filter(({ mode }) => mode & 0o077).map(({ path, mode }) => `${path} 0${mode.toString(8)}`);
}

describe('DATA_DIR of the embedded database', () => {
  const parents: string[] = [];
  afterAll(() => {
    for (const dir of parents) rmSync(dir, { recursive: true, force: true });
  });

  function newDataDirPath(): string {
    const parent = temporaryDirectory('data-parent');
    parents.push(parent);
    return join(parent, 'data');
  }

  it('is created 0700, everything the database writes in it is private, and what an older version left open is made private at start', async () => {
    const dataDir = newDataDirPath();
    const first = await spawnTollgate({ DATA_DIR: dataDir });
    try {
      // A write, so the WAL holds a secret digest.
      await createClient(first.url, await adminToken(first.url), { name: 'writes the WAL', role: 'read-only' });
      expect(openToOthers(dataDir)).toEqual([]);
    } finally {
      expect(await first.process.stop()).toBe(0);
    }
    expect(openToOthers(dataDir)).toEqual([]);
    expect(entriesBelow(dataDir).length).toBeGreaterThan(100);

    // As an earlier Tollgate left it: PGlite's files 0666, its directories 0755, in a directory now 0700.
    for (const entry of entriesBelow(dataDir)) chmodSync(join(dataDir, entry.path), entry.directory ? 0o755 : 0o666);
    const second = await spawnTollgate({ DATA_DIR: dataDir });
    try {
      expect(openToOthers(dataDir)).toEqual([]);
      await createClient(second.url, await adminToken(second.url), { name: 'still works', role: 'read-only' });
    } finally {
      expect(await second.process.stop()).toBe(0);
    }
  }, 90_000);

  it.each(['750', '705', '770'])(
    'an existing DATA_DIR with mode 0%s is refused with a message naming it and the chmod to run; nothing is written in it',
    async (octal) => {
      const mode = parseInt(octal, 8);
      const dataDir = newDataDirPath();
      mkdirSync(dataDir);
      chmodSync(dataDir, mode);
      const refusal = await spawnTollgate({ DATA_DIR: dataDir }).then(
        async (started) => `started (exit code ${await started.process.stop()})`,
        (error: Error) => error.message,
      );
      expect(refusal).toMatch(/exited with 1\)/);
      expect(refusal).toContain(`DATA_DIR ${dataDir} is accessible to other users (mode 0${octal})`);
      expect(refusal).toContain(`chmod 700 ${dataDir}`);
      expect(readdirSync(dataDir)).toEqual([]);
      expect(lstatSync(dataDir).mode & 0o777).toBe(mode);
    },
  );
});
