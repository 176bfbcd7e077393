import type { CachedClient, ClientLookup } from './lookup.js';
import { digestSecret, secretMatchesDigest } from './secret.js';

type AuthenticationFailure = 'unknown_client' | 'invalid_secret' | 'inactive';

export type AuthenticationResult =
  | { readonly ok: true; readonly client: CachedClient }
  | { readonly ok: false; readonly reason: AuthenticationFailure; readonly client: CachedClient | null };

/** The current secret always works; the previous one only until its grace period ends. */
function secretIsValid(client: CachedClient, secret: string, now: Date): boolean {
  const presented = digestSecret(secret);
  const { secret_digest, previous_secret_digest, previous_secret_expires_at } = client.record;
  if (secretMatchesDigest(presented, secret_digest)) return true;
  return (
    previous_secret_expires_at !== null &&
    previous_secret_expires_at > now &&
    secretMatchesDigest(presented, previous_secret_digest)
  );
}

/**
 * Checks client credentials. The secret is checked before the status, so a wrong secret learns nothing.
 * `beforeQuery`: see ClientLookup.find.
 */
export async function authenticateClient(
  lookup: ClientLookup,
  clientId: string,
  secret: string,
  beforeQuery?: () => Promise<void>,
): Promise<AuthenticationResult> {
  const client = await lookup.find(clientId, beforeQuery);
  if (!client) return { ok: false, reason: 'unknown_client', client: null };
  if (!secretIsValid(client, secret, new Date())) return { ok: false, reason: 'invalid_secret', client };
  if (client.record.status !== 'active') return { ok: false, reason: 'inactive', client };
  return { ok: true, client };
}
