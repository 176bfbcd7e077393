import type { Knex } from 'knex';

/**
 * RFC 9449 §5.2 `dpop_bound_access_tokens`: the client must prove a DPoP key for every token, which is
 * then bound to it. Off for every existing client: their requests keep working unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.boolean('dpop_bound_access_tokens').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.dropColumn('dpop_bound_access_tokens');
  });
}
