import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { openDatabase } from '../../src/db/database.js';

const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(new URL('../../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

/** One per PGlite version and user, kept across runs: it holds nothing but what initdb writes. */
const TEMPLATE = join(tmpdir(), `tollgate-test-pglite-${PGLITE_VERSION}-${userInfo().uid}`);

/**
 * PGlite runs initdb whenever it opens an empty directory, which takes seconds (ten and more on a busy
 * machine); opening an initialised one takes a fraction of that. The template is opened once by
 * Tollgate's own openDatabase, so it is exactly what a first start leaves before migrating, and
 * published by an atomic rename, so parallel test workers never see half of it.
 */
async function template(): Promise<string> {
  if (existsSync(TEMPLATE)) return TEMPLATE;
  const building = mkdtempSync(`${TEMPLATE}.building-`);
  try {
    const db = openDatabase({ databaseUrl: undefined, dataDir: building });
    try {
      await db.raw('select 1');
    } finally {
      await db.destroy();
    }
    rmSync(join(building, DATA_DIR_LOCK_FILE), { force: true });
    renameSync(building, TEMPLATE);
  } catch (error) {
    // Another worker published its template first: use that one.
    if (!existsSync(TEMPLATE)) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return TEMPLATE;
}

/**
 * Copies an initialised, empty embedded database into `dataDir` (an empty directory), so a test server
 * skips initdb. Everything Tollgate does on first start (migrations, keys, the initial admin) still
 * happens; the tests of a first start in a brand-new DATA_DIR (e2e/embedded, db/data-dir-permissions,
 * keys/embedded, the CLI's) pass a DATA_DIR of their own and keep doing initdb.
 */
export async function initializeDataDir(dataDir: string): Promise<void> {
  cpSync(await template(), dataDir, { recursive: true });
}
