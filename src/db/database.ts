import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { Config } from '../config/config.js';

export type Database = Knex;

/** Fails fast instead of queueing requests behind a database that does not answer. */
const ACQUIRE_TIMEOUT_MS = 3_000;

export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Database {
  if (config.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: { connectionString: config.databaseUrl, connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS, statement_timeout: 10_000 },
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: { filename: config.dataDir } as Knex.StaticConnectionConfig,
  });
}

export function isEmbedded(db: Database): boolean {
  return db.client.config.client !== 'pg';
}
