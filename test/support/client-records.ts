import type { ClientRecord } from '../../src/clients/types.js';

/** A stored client with every field filled, for unit tests of the rules that read records. */
export function clientRecord(clientId: string, changes: Partial<ClientRecord> = {}): ClientRecord {
  const epoch = new Date(0);
  return {
    client_id: clientId,
    name: clientId,
    role: 'analyst',
    organization_id: null,
    ip_allowlist: [],
    status: 'active',
    note: '',
    token_endpoint_auth_method: 'client_secret_basic',
    jwks: null,
    jwks_uri: null,
    federated_credentials: [],
    secret_digest: 'digest',
    previous_secret_digest: null,
    previous_secret_expires_at: null,
    created_by: null,
    created_at: epoch,
    updated_at: epoch,
    last_used_at: null,
    tokens_valid_after: null,
    dpop_bound_access_tokens: false,
    tls_client_certificate_bound_access_tokens: false,
    tls_client_auth_subject_dn: null,
    tls_client_auth_san_dns: null,
    tls_client_auth_san_uri: null,
    tls_client_auth_san_ip: null,
    tls_client_auth_san_email: null,
    ...changes,
  };
}
