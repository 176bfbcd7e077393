import type { Knex } from 'knex';

/**
 * The instant before which a client's tokens are dead whatever the session store says: set when the
 * client is deactivated, changes role or moves organization, so that a later reactivation (or a
 * revocation Redis missed) cannot bring old tokens back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.timestamp('tokens_valid_after', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.dropColumn('tokens_valid_after');
  });
}
