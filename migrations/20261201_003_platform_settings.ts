import type { Knex } from 'knex';

/** Exactly one row: the check on `id` makes a second row impossible. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('platform_settings', (t) => {
    t.boolean('id').primary().defaultTo(true);
    t.boolean('api_enabled').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table platform_settings add constraint platform_settings_single_row check (id)');
  await knex('platform_settings').insert({ id: true });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('platform_settings');
}
