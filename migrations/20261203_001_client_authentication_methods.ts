import type { Knex } from 'knex';

/**
 * How a client authenticates (issue 14). `client_secret_basic` and `client_secret_post` clients hold a
 * secret, as every client did before; a `private_key_jwt` client holds none: it signs assertions with a
 * key registered inline (`jwks`) or at `jwks_uri`, and/or presents tokens of the external issuers its
 * `federated_credentials` trust.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.text('token_endpoint_auth_method').notNullable().defaultTo('client_secret_basic');
    t.jsonb('jwks');
    t.text('jwks_uri');
    t.jsonb('federated_credentials').notNullable().defaultTo('[]');
    t.text('secret_digest').nullable().alter();
  });
  await knex.raw(`
    alter table api_clients add constraint api_clients_auth_method check (
      (token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post') and secret_digest is not null)
      or (token_endpoint_auth_method = 'private_key_jwt' and secret_digest is null and previous_secret_digest is null)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('api_clients').where({ token_endpoint_auth_method: 'private_key_jwt' }).delete();
  await knex.raw('alter table api_clients drop constraint api_clients_auth_method');
  await knex.schema.alterTable('api_clients', (t) => {
    t.dropColumn('token_endpoint_auth_method');
    t.dropColumn('jwks');
    t.dropColumn('jwks_uri');
    t.dropColumn('federated_credentials');
    t.text('secret_digest').notNullable().alter();
  });
}
