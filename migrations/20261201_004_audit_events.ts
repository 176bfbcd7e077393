import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    // Generated when the event happens, so the log line and the row carry the same id.
    t.uuid('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('type').notNullable();
    t.text('actor');
    // No foreign keys: events outlive the clients and organizations they name.
    t.text('client_id');
    t.text('organization_id');
    t.text('ip');
    t.text('request_id');
    t.jsonb('details').notNullable().defaultTo('{}');
    // Newest-first keyset pagination (at, id) for each filter, and the retention sweep on `at`.
    t.index(['at', 'id']);
    t.index(['type', 'at', 'id']);
    t.index(['client_id', 'at', 'id']);
    t.index(['organization_id', 'at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
}
