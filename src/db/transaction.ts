import type { Knex } from 'knex';
import type { Database } from './database.js';

/**
 * Runs work in one database transaction; services use it when several rows must change together.
 * Inside, every query must go through `trx`: the embedded database has a single connection.
 */
export type Transactional = <T>(work: (trx: Knex.Transaction) => Promise<T>) => Promise<T>;

export function transactional(db: Database): Transactional {
  return (work) => db.transaction(work);
}
