import type { Knex } from 'knex';

/**
 * When the initial admin was created. Bootstrap happens once per deployment: if every admin is later
 * deleted (after a compromise, say), a restart with INITIAL_ADMIN_* still set must not bring back an
 * admin with those well-known credentials. Deployments that already have an admin count as bootstrapped.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('platform_settings', (t) => {
    t.timestamp('initial_admin_created_at', { useTz: true });
  });
  await knex.raw(
    "update platform_settings set initial_admin_created_at = now() where exists (select 1 from api_clients where role = 'admin')",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('platform_settings', (t) => {
    t.dropColumn('initial_admin_created_at');
  });
}
