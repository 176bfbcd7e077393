import type { Knex } from 'knex';
import pg from 'pg';
import { type Database, isEmbedded } from './database.js';
import { classifyDatabaseError } from './errors.js';

/**
 * Every Postgres advisory lock id Tollgate takes, in one registry so no two uses can collide. The values
 * are arbitrary but fixed: every instance of a deployment, of whatever version, must use the same ones.
 */
export const LOCKS = {
  /** Session lock: one instance at a time applies migrations at startup. */
  migrations: 7_290_417,
  /** Transaction lock: exactly one instance at a time changes key states. */
  keyStates: 7_290_418,
  /** Session lock: one instance at a time prepares the deployment (first keys, initial admin). */
  bootstrap: 7_290_419,
  /** Transaction try-lock: one instance at a time maintains the audit trail (partitions ahead, retention). */
  auditMaintenance: 7_290_420,
} as const;

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

/**
 * Runs `work` in a transaction if this instance gets the advisory lock `lockId` at once, and returns null
 * without waiting when another instance holds it: periodic work that one instance does for all. The
 * lock ends with the transaction, and with the connection if this process dies.
 */
export async function ifLockFree<T>(
  db: Database,
  lockId: number,
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T | null> {
  return db.transaction(async (trx) => {
    const { rows } = (await trx.raw('select pg_try_advisory_xact_lock(?) as locked', [lockId])) as {
      rows: { locked: boolean }[];
    };
    return rows[0]?.locked ? work(trx) : null;
  });
}
