import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config/config.js';
import { DATABASE_ACQUIRE_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS } from '../config/constants.js';
import type { Logger } from '../observability/logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { prepareDataDir } from './data-dir-permissions.js';
import { EmbeddedPostgresClient, PostgresClient } from './drivers.js';

export type Database = Knex;

/** knex's own warnings (a connection attempt failing, with its stack) go to the logger at debug level: callers report the error itself. */
function knexLog(logger: Logger): Knex.Config['log'] {
  const log = (message: unknown) => logger.debug({ knex: message }, 'knex');
  return { warn: log, error: log, deprecate: log, debug: log };
}

export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger?: Logger): Database {
  const log = logger ? { log: knexLog(logger) } : {};
  if (config.databaseUrl) {
    return knexFactory({
      ...log,
      client: PostgresClient,
      connection: {
        connectionString: config.databaseUrl,
        connectionTimeoutMillis: DATABASE_ACQUIRE_TIMEOUT_MS,
        statement_timeout: DATABASE_STATEMENT_TIMEOUT_MS,
      },
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: DATABASE_ACQUIRE_TIMEOUT_MS,
    });
  }
  prepareDataDir(config.dataDir);
  const release = lockDataDir(config.dataDir);
  const db = knexFactory({
    ...log,
    client: EmbeddedPostgresClient,
    connection: { filename: config.dataDir } as Knex.StaticConnectionConfig,
  });
  const destroy = db.destroy.bind(db);
  Object.defineProperty(db, 'destroy', {
    configurable: true,
    value: async () => {
      try {
        await destroy();
      } finally {
        release();
      }
    },
  });
  return db;
}

export function isEmbedded(db: Database): boolean {
  return db.client instanceof EmbeddedPostgresClient;
}

/** The cheapest round trip that proves the database answers queries. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.raw('select 1');
}
