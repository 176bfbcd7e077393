import pg from 'pg';
import { type Database, isEmbedded } from './database.js';
import { classifyDatabaseError } from './errors.js';

/** Arbitrary constants shared by every Tollgate instance, one per startup step that must run once. */
export const LOCKS = { migrations: 7_290_417, bootstrap: 7_290_419 } as const;

/**
 * Runs `work` while holding a Postgres advisory lock on a dedicated connection, so instances starting
 * together take turns; the server releases the lock even if this process dies. `work` may use the pool
 * freely. The embedded database is single-process and needs no lock.
 */
export async function withStartupLock<T>(
  db: Database,
  databaseUrl: string | undefined,
  lockId: number,
  work: () => Promise<T>,
): Promise<T> {
  if (isEmbedded(db) || !databaseUrl) return work();
  const lockConnection = new pg.Client({ connectionString: databaseUrl });
  await lockConnection.connect().catch((error: unknown) => {
    throw classifyDatabaseError(error);
  });
  try {
    await lockConnection.query('select pg_advisory_lock($1)', [lockId]);
    return await work();
  } finally {
    await lockConnection.query('select pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
    await lockConnection.end();
  }
}
