import type { Knex } from 'knex';

/**
 * RFC 8705 §2: `tls_client_auth` (a CA-issued certificate whose subject or one SAN the client registers:
 * exactly one of the five fields) and `self_signed_tls_client_auth` (a certificate whose public key is
 * one of the client's `jwks`). Neither holds a secret, like `private_key_jwt`.
 */
const TLS_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    for (const field of TLS_FIELDS) t.text(field);
  });
  await knex.raw('alter table api_clients drop constraint api_clients_auth_method');
  await knex.raw(`
    alter table api_clients add constraint api_clients_auth_method check (
      (token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post') and secret_digest is not null)
      or (token_endpoint_auth_method in ('private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth')
          and secret_digest is null and previous_secret_digest is null)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('api_clients')
    .whereIn('token_endpoint_auth_method', ['tls_client_auth', 'self_signed_tls_client_auth'])
    .delete();
  await knex.raw('alter table api_clients drop constraint api_clients_auth_method');
  await knex.raw(`
    alter table api_clients add constraint api_clients_auth_method check (
      (token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post') and secret_digest is not null)
      or (token_endpoint_auth_method = 'private_key_jwt' and secret_digest is null and previous_secret_digest is null)
    )`);
  await knex.schema.alterTable('api_clients', (t) => {
    for (const field of TLS_FIELDS) t.dropColumn(field);
  });
}
