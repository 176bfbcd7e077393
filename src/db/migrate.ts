import type { Knex } from 'knex';
import { MIGRATIONS, type Migration } from '../../migrations/index.js';
import type { Database } from './database.js';
import { LOCKS, withStartupLock } from './locks.js';

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

/** Applies pending migrations; instances starting at once take turns, and the later ones find nothing to do. */
export async function migrateToLatest(db: Database, databaseUrl: string | undefined): Promise<string[]> {
  return withStartupLock(db, databaseUrl, LOCKS.migrations, async () => {
    const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  });
}
