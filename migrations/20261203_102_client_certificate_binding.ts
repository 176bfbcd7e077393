import type { Knex } from 'knex';

/**
 * RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`: every token of the client is bound to the
 * certificate of the mutual-TLS connection it was requested over. Off for every existing client.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.boolean('tls_client_certificate_bound_access_tokens').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.dropColumn('tls_client_certificate_bound_access_tokens');
  });
}
