import { migrateToLatest } from '../../db/migrate.js';
import type { CliCommand } from '../command.js';

export const MIGRATE_COMMANDS: readonly CliCommand[] = [
  {
    name: 'migrate',
    summary: 'apply pending database migrations (the server also does this at start)',
    async run(context) {
      const applied = await migrateToLatest(context.database(), context.config.databaseUrl);
      if (applied.length)
        context.audit().record({
          type: 'database.migrated',
          actor: context.actor.clientId,
          request_id: context.actor.requestId,
          details: { migrations: applied },
        });
      return {
        data: { applied },
        text: applied.length
          ? `applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}`
          : 'the database schema is up to date',
      };
    },
  },
];
