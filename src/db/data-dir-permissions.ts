import { chmodSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { StartupError } from '../x/errors.js';

/** Group and other permission bits: none may be set on anything in DATA_DIR. */
const GROUP_OTHER_BITS = 0o077;
const PRIVATE_DIRECTORY_MODE = 0o700;

/** DATA_DIR cannot hold the embedded database privately; the message names the directory and the fix. */
class DataDirPermissionError extends StartupError {
  constructor(message: string) {
    super('data_dir_permissions', message);
  }
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Readies DATA_DIR before the embedded database opens it. The database holds secret digests and the
 * encrypted private signing keys, and its WAL and `global/pg_control` can be corrupted by anyone who
 * may write them, so only this user may reach it:
 *
 * - The process umask becomes 077. Process-wide on purpose: PGlite creates directories and files
 *   synchronously on this thread whenever the database needs them (its first cluster, WAL segments,
 *   relation files, temporary sort directories), not only while it opens, so a umask set around the
 *   open would miss the later ones; and a process that opens the embedded database writes nothing
 *   another user should read. (Postgres creates its own files 0600 anyway; the umask is what keeps
 *   PGlite's directories from being 0755.)
 * - A missing DATA_DIR is created 0700.
 * - An existing DATA_DIR that its group or others may enter is refused, not tightened: they may
 *   already have read or changed the database, or the mode was chosen on purpose (a shared mount), and
 *   either way the operator has to decide, not the server. The message says what to run.
 * - Inside a DATA_DIR only this user may enter, group and others lose every permission on every file
 *   and directory (an older Tollgate left PGlite's files 0666): nobody else could reach them anyway,
 *   so this takes nothing from anyone, and the files stay private in backups and copies that keep modes.
 */
export function prepareDataDir(dataDir: string): void {
  process.umask(GROUP_OTHER_BITS);
  const stats = statIfExists(dataDir);
  if (!stats) {
    mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    return;
  }
  if (!stats.isDirectory()) throw new DataDirPermissionError(`DATA_DIR ${dataDir} is not a directory`);
  if (stats.mode & GROUP_OTHER_BITS) {
    throw new DataDirPermissionError(
      `DATA_DIR ${dataDir} is accessible to other users (mode ${octal(stats.mode)}), but the embedded database in it holds ` +
        `secret digests and encrypted private keys. Check who may have read or changed it, then run \`chmod 700 ${dataDir}\` ` +
        'and start again; Tollgate makes the files inside private itself.',
    );
  }
  makePrivate(dataDir);
}

/**
 * Opens the embedded database in a DATA_DIR readied by prepareDataDir. PGlite sets the modes of some
 * files itself, past any umask: a new database's files are 0666, and `pg_internal.init` is rewritten
 * 0644 at every open. They are made private as soon as it is ready, before the first query runs: knex
 * awaits the same promise, and this reaction was registered first.
 */
export function openPrivatePGlite(dataDir: string, options: PGliteOptions = {}): PGlite {
  const pglite = new PGlite(dataDir, options);
  void pglite.waitReady.then(
    () => makePrivate(dataDir),
    // The first query reports a failed open.
    () => undefined,
  );
  return pglite;
}

function statIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes every permission of group and others from everything below `dir` (PGlite's 0666 files become
 * 0600, 0755 directories 0700). Symbolic links are not followed.
 */
function makePrivate(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    // A file the database removed since the directory was read (a temporary file) needs nothing.
    const stats = statIfExists(path);
    if (stats && stats.mode & GROUP_OTHER_BITS) chmodOwn(path, stats.mode & 0o700);
    if (entry.isDirectory()) makePrivate(path);
  }
}

function chmodOwn(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return;
    if (code === 'EPERM') {
      throw new DataDirPermissionError(
        `${path} in DATA_DIR belongs to another user, so Tollgate cannot make it private: give DATA_DIR and everything in it to the user that runs Tollgate (chown -R)`,
      );
    }
    throw error;
  }
}
