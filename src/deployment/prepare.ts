import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { LOCKS, withStartupLock } from '../db/locks.js';
import { migrateToLatest } from '../db/migrate.js';
import type { Logger } from '../observability/logger.js';
import { Registry } from '../registry.js';
import { ensureInitialAdmin, type ShowOnTerminal } from './initial-admin.js';

/**
 * Startup work that must happen once per deployment before any instance serves: migrations, the first
 * signing keys, the first admin client. Each step is safe when several instances run it at once.
 * `showOnTerminal` is given only when a person watches the terminal (see ensureInitialAdmin). Uses `db`
 * and leaves it open for the caller.
 */
export async function prepareDeployment(
  db: Database,
  config: Config,
  logger: Logger,
  showOnTerminal?: ShowOnTerminal,
): Promise<void> {
  const applied = await migrateToLatest(db, config.databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
  await withStartupLock(db, config.databaseUrl, LOCKS.bootstrap, async () => {
    const registry = new Registry(config, logger, 'local', db);
    try {
      await registry.keys(true);
      const { clients, settingsStore } = await registry.services();
      await ensureInitialAdmin(clients, settingsStore, config, logger, showOnTerminal);
    } finally {
      await registry.close({ keepDatabase: true });
    }
  });
}
