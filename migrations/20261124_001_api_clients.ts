import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_clients', (t) => {
    t.text('client_id').primary();
    // Insertion order for stable cursor pagination; never exposed.
    t.bigIncrements('seq', { primaryKey: false }).unique();
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.jsonb('ip_allowlist').notNullable().defaultTo('[]');
    t.text('status').notNullable().checkIn(['active', 'inactive']);
    t.text('note').notNullable().defaultTo('');
    t.text('secret_digest').notNullable();
    t.text('previous_secret_digest');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.index(['role']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_clients');
}
