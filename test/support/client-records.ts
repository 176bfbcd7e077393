import type { ClientRecord } from '../../src/clients/types.js';

/** A stored client with every field filled, for unit tests of the rules that read records. */
export function clientRecord(clientId: string, changes: Partial<ClientRecord> = {}): ClientRecord {
  const epoch = new Date(0);
  return {
    clientId,
    name: clientId,
    role: 'analyst',
    organizationId: null,
    ipAllowlist: [],
    status: 'active',
    note: '',
    tokenEndpointAuthMethod: 'client_secret_basic',
    jwks: null,
    jwksUri: null,
    federatedCredentials: [],
    secretDigest: 'digest',
    previousSecretDigest: null,
    previousSecretExpiresAt: null,
    createdBy: null,
    createdAt: epoch,
    updatedAt: epoch,
    lastUsedAt: null,
    tokensValidAfter: null,
    dpopBoundAccessTokens: false,
    tlsClientCertificateBoundAccessTokens: false,
    tlsClientAuthSubjectDn: null,
    tlsClientAuthSanDns: null,
    tlsClientAuthSanUri: null,
    tlsClientAuthSanIp: null,
    tlsClientAuthSanEmail: null,
    ...changes,
  };
}
