import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StartupError } from '../x/errors.js';

export const DATA_DIR_LOCK_FILE = 'tollgate.lock';

interface Holder {
  readonly pid: number;
  readonly host: string;
}

/** Another process (a running server, a CLI command) has the embedded database open. */
class DataDirInUseError extends StartupError {
  constructor(dataDir: string, holder: Holder | null) {
    super(
      'data_dir_in_use',
      `DATA_DIR ${dataDir} is in use by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'}: ` +
        'the embedded database allows one process at a time. Stop that process first (for the CLI: stop the server), ' +
        `or set DATABASE_URL to share a Postgres server. If that process no longer runs, delete ${join(dataDir, DATA_DIR_LOCK_FILE)}.`,
    );
  }
}

/** Data directories this process has open: a second open here is refused like one from elsewhere. */
const heldHere = new Set<string>();

function readHolder(path: string): Holder | null {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    return Number.isInteger(Number(pid)) && host ? { pid: Number(pid), host } : null;
  } catch {
    return null;
  }
}

/**
 * Whether the lock's holder may still run. Only a process on this host can be checked; an unreadable
 * file may be one a process has created but not yet written. A holder with this process's own pid is a
 * previous run of this container or machine (pids restart at 1), since this process's own locks are in
 * `heldHere`.
 */
function mayBeRunning(holder: Holder | null): boolean {
  if (!holder || holder.host !== hostname()) return true;
  if (holder.pid === process.pid || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims DATA_DIR for this process, because PGlite does no locking of its own and two processes on
 * one data directory corrupt it. A lock left by a process that no longer runs is taken over. Returns
 * the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = resolve(dataDir, DATA_DIR_LOCK_FILE);
  for (let attempt = 1; ; attempt += 1) {
    if (heldHere.has(path)) throw new DataDirInUseError(dataDir, { pid: process.pid, host: hostname() });
    try {
      writeFileSync(path, `${process.pid} ${hostname()}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (attempt > 1 || mayBeRunning(holder)) throw new DataDirInUseError(dataDir, holder);
    rmSync(path, { force: true });
  }
}
