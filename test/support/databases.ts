import { rmSync } from 'node:fs';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { initializeDataDir } from './embedded-data.js';
import { temporaryDirectory } from './server.js';
import { createTestDatabase } from './services.js';

export interface OpenedDatabase {
  readonly db: Database;
  /** Closes the database and removes what was created for it. */
  close(): Promise<void>;
}

export interface DatabaseDriver {
  readonly name: string;
  /** A fresh, migrated database of this driver. */
  open(): Promise<OpenedDatabase>;
}

async function migrated(
  db: Database,
  databaseUrl: string | undefined,
  cleanUp: () => Promise<void>,
): Promise<OpenedDatabase> {
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      await cleanUp();
    }
  };
  try {
    await migrateToLatest(db, databaseUrl);
  } catch (error) {
    await close();
    throw error;
  }
  return { db, close };
}

/** The two drivers behind src/db/: store contracts are tested on both (`describe.each(DATABASE_DRIVERS)`). */
export const DATABASE_DRIVERS: readonly DatabaseDriver[] = [
  {
    name: 'embedded Postgres (PGlite in a temporary DATA_DIR)',
    async open() {
      const dataDir = temporaryDirectory('data');
      await initializeDataDir(dataDir);
      return migrated(openDatabase({ databaseUrl: undefined, dataDir }), undefined, async () =>
        rmSync(dataDir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'Postgres (pg, a fresh database)',
    async open() {
      const database = await createTestDatabase();
      return migrated(openDatabase({ databaseUrl: database.url, dataDir: '' }), database.url, () => database.drop());
    },
  },
];
