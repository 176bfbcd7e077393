import { createHash } from 'node:crypto';
import { digestSecret, generateClientSecret, secretMatchesDigest } from '../../src/clients/secret.js';

describe('client secret digests', () => {
  it('are the lowercase hex SHA-256 of the secret, as stored', () => {
    const secret = generateClientSecret();
    expect(digestSecret(secret)).toBe(createHash('sha256').update(secret, 'utf8').digest('hex'));
    expect(digestSecret('é')).toBe(createHash('sha256').update('é', 'utf8').digest('hex'));
  });

  it('match only the same secret', () => {
    const secret = generateClientSecret();
    const stored = digestSecret(secret);
    expect(secretMatchesDigest(digestSecret(secret), stored)).toBe(true);
    expect(secretMatchesDigest(digestSecret(`${secret}x`), stored)).toBe(false);
    expect(secretMatchesDigest(digestSecret(secret), null)).toBe(false);
    expect(secretMatchesDigest(digestSecret(secret), stored.slice(1))).toBe(false);
    expect(secretMatchesDigest(digestSecret(secret), '')).toBe(false);
  });
});
