import {
  type ClientResource,
  type FederatedCredential,
  type JsonWebKeySet,
  TLS_CLIENT_AUTH_FIELDS,
  type TlsClientAuthField,
  type TokenEndpointAuthMethod,
} from './schemas.js';

export type ClientStatus = 'active' | 'inactive';

/**
 * A client as stored, including its secret digests. Never leaves the server in this form. The
 * tls_client_auth_* fields name a tls_client_auth client's certificate (exactly one is set).
 */
export interface ClientRecord extends Record<TlsClientAuthField, string | null> {
  client_id: string;
  name: string;
  role: string;
  organization_id: string | null;
  ip_allowlist: string[];
  status: ClientStatus;
  note: string;
  /** How the client authenticates; see client-auth/. Only secret methods have a secret_digest. */
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** A private_key_jwt client's public keys, inline, or where to fetch them. */
  jwks: JsonWebKeySet | null;
  jwks_uri: string | null;
  /** External issuers whose tokens authenticate a private_key_jwt client (workload identity federation). */
  federated_credentials: FederatedCredential[];
  secret_digest: string | null;
  previous_secret_digest: string | null;
  previous_secret_expires_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date | null;
  /** Tokens issued in an earlier second are dead (see the migration 20261202_001). */
  tokens_valid_after: Date | null;
  /** Every token must be DPoP-bound (RFC 9449 §5.2): a token request without a valid proof is refused. */
  dpop_bound_access_tokens: boolean;
  /** Every token is bound to the client certificate of its request (RFC 8705 §3): requested over mTLS only. */
  tls_client_certificate_bound_access_tokens: boolean;
}

/** A client as the admin API and CLI show it: no secret, no digest. */
export function toClientResource(record: ClientRecord): ClientResource {
  return {
    client_id: record.client_id,
    name: record.name,
    role: record.role,
    organization_id: record.organization_id,
    ip_allowlist: record.ip_allowlist,
    status: record.status,
    note: record.note,
    token_endpoint_auth_method: record.token_endpoint_auth_method,
    jwks: record.jwks,
    jwks_uri: record.jwks_uri,
    federated_credentials: record.federated_credentials,
    created_by: record.created_by,
    created_at: record.created_at.toISOString(),
    updated_at: record.updated_at.toISOString(),
    last_used_at: record.last_used_at?.toISOString() ?? null,
    dpop_bound_access_tokens: record.dpop_bound_access_tokens,
    tls_client_certificate_bound_access_tokens: record.tls_client_certificate_bound_access_tokens,
    ...Object.fromEntries(TLS_CLIENT_AUTH_FIELDS.map((field) => [field, record[field]])),
  } as ClientResource;
}
