import knexFactory from 'knex';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/database.js';
import { prepareDeployment } from '../../src/deployment/prepare.js';
import { createLogger } from '../../src/observability/logger.js';
import { TEST_KEY_ENCRYPTION_KEY, temporaryDirectory } from '../support/server.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('prepareDeployment', () => {
  it('is safe when several instances start at once: one migration run, one key set, one admin', async () => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      KEYS_DIR: temporaryDirectory('keys'),
    });
    const logger = createLogger('silent');
    const printed: string[] = [];
    const instances = [1, 2, 3].map(() => openDatabase(config));
    await Promise.all(instances.map((db) => prepareDeployment(db, config, logger, (text) => printed.push(text))));
    await Promise.all(instances.map((db) => db.destroy()));

    const db = knexFactory({ client: 'pg', connection: database.url });
    try {
      const admins = await db('api_clients').where({ role: 'admin' });
      expect(admins).toHaveLength(1);
      expect(printed).toHaveLength(1);
      const keys = await db('signing_keys').select('status');
      expect(keys.map((key: { status: string }) => key.status).sort()).toEqual(['active', 'next']);
      const migrations = await db('knex_migrations').select('name');
      expect(migrations).toHaveLength(new Set(migrations.map((m: { name: string }) => m.name)).size);
    } finally {
      await db.destroy();
    }
  });
});
