import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('alg').notNullable();
    t.text('status').notNullable().checkIn(['next', 'active', 'retired']);
    t.jsonb('public_jwk').notNullable();
    t.text('private_key_ciphertext').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('activated_at', { useTz: true });
    t.timestamp('retired_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
  });
  // Exactly one key signs at any time; the database enforces it, not only the code.
  await knex.raw("create unique index signing_keys_one_active on signing_keys ((status)) where status = 'active'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_keys');
}
