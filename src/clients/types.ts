import { type CamelCase, camelCase } from '../x/case.js';
import {
  type ClientResource,
  type FederatedCredential,
  type JsonWebKeySet,
  TLS_CLIENT_AUTH_FIELDS,
  type TlsClientAuthField,
  type TokenEndpointAuthMethod,
} from './schemas.js';

export type ClientStatus = 'active' | 'inactive';

/** The tls_client_auth_* fields of the API as a client's properties (tlsClientAuthSubjectDn, ...). */
export type TlsClientAuthProperty = CamelCase<TlsClientAuthField>;

/**
 * A client as stored, including its secret digests. Never leaves the server in this form. The
 * tlsClientAuth* properties name a tls_client_auth client's certificate (exactly one is set).
 */
export interface ClientRecord extends Record<TlsClientAuthProperty, string | null> {
  clientId: string;
  name: string;
  role: string;
  organizationId: string | null;
  ipAllowlist: string[];
  status: ClientStatus;
  note: string;
  /** How the client authenticates; see client-auth/. Only secret methods have a secretDigest. */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** A private_key_jwt client's public keys, inline, or where to fetch them. */
  jwks: JsonWebKeySet | null;
  jwksUri: string | null;
  /** External issuers whose tokens authenticate a private_key_jwt client (workload identity federation). */
  federatedCredentials: FederatedCredential[];
  secretDigest: string | null;
  previousSecretDigest: string | null;
  previousSecretExpiresAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
  /** Tokens issued in an earlier second are dead (see the migration 20261202_001). */
  tokensValidAfter: Date | null;
  /** Every token must be DPoP-bound (RFC 9449 §5.2): a token request without a valid proof is refused. */
  dpopBoundAccessTokens: boolean;
  /** Every token is bound to the client certificate of its request (RFC 8705 §3): requested over mTLS only. */
  tlsClientCertificateBoundAccessTokens: boolean;
}

/** A client as the admin API and CLI show it: no secret, no digest. */
export function toClientResource(record: ClientRecord): ClientResource {
  return {
    client_id: record.clientId,
    name: record.name,
    role: record.role,
    organization_id: record.organizationId,
    ip_allowlist: record.ipAllowlist,
    status: record.status,
    note: record.note,
    token_endpoint_auth_method: record.tokenEndpointAuthMethod,
    jwks: record.jwks,
    jwks_uri: record.jwksUri,
    federated_credentials: record.federatedCredentials,
    created_by: record.createdBy,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    dpop_bound_access_tokens: record.dpopBoundAccessTokens,
    tls_client_certificate_bound_access_tokens: record.tlsClientCertificateBoundAccessTokens,
    ...Object.fromEntries(TLS_CLIENT_AUTH_FIELDS.map((field) => [field, record[camelCase(field)]])),
  } as ClientResource;
}
