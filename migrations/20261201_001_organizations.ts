import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organizations', (t) => {
    t.text('id').primary();
    // Insertion order for stable cursor pagination; never exposed.
    t.bigIncrements('seq', { primaryKey: false }).unique();
    t.text('name').notNullable();
    t.boolean('api_enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index organizations_name_unique on organizations (lower(name))');
  // No cascade: deleting an organization deletes its clients explicitly, so their sessions can be revoked.
  await knex.schema.alterTable('api_clients', (t) => {
    t.text('organization_id').references('id').inTable('organizations').onDelete('RESTRICT');
    t.index(['organization_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.dropColumn('organization_id');
  });
  await knex.schema.dropTable('organizations');
}
