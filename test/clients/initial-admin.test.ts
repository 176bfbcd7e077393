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

describe('the initial admin', () => {
  it('is created once per deployment: deleting every admin does not bring the environment credentials back', async () => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      INITIAL_ADMIN_CLIENT_ID: 'bootstrap-admin',
      INITIAL_ADMIN_CLIENT_SECRET: 'b'.repeat(40),
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      KEYS_DIR: temporaryDirectory('keys'),
    });
    const start = async () => {
      const db = openDatabase(config);
      await prepareDeployment(db, config, createLogger('silent'));
      await db.destroy();
    };
    const db = knexFactory({ client: 'pg', connection: database.url });
    try {
      await start();
      expect(await db('api_clients').where({ client_id: 'bootstrap-admin' })).toHaveLength(1);
      await db('api_clients').where({ role: 'admin' }).delete();
      await start();
      expect(await db('api_clients').where({ role: 'admin' })).toHaveLength(0);
    } finally {
      await db.destroy();
    }
  });
});
