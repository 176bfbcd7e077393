import { camelCase, camelCased, snakeCased } from '../../src/x/case.js';

describe('property names between snake_case and camelCase', () => {
  it('turns each word after an underscore into a capital, and back', () => {
    expect(camelCase('tls_client_auth_san_dns')).toBe('tlsClientAuthSanDns');
    expect(camelCase('jwks')).toBe('jwks');
    const row = { client_id: 'c1', previous_secret_expires_at: null, ip_allowlist: ['10.0.0.0/8'], jwks: null };
    const record = camelCased(row);
    expect(record).toEqual({ clientId: 'c1', previousSecretExpiresAt: null, ipAllowlist: ['10.0.0.0/8'], jwks: null });
    expect(snakeCased(record)).toEqual(row);
  });

  it('renames one level only: values, nested objects included, are kept as they are', () => {
    const credentials = [{ issuer: 'https://token.actions.githubusercontent.com', extra_claims: { repo_owner: 'x' } }];
    expect(camelCased({ federated_credentials: credentials })).toEqual({ federatedCredentials: credentials });
    expect(snakeCased({ federatedCredentials: credentials }).federated_credentials).toBe(credentials);
  });
});
