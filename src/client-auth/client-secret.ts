import type { CachedClient } from '../clients/lookup.js';
import { digestSecret, secretMatchesDigest } from '../clients/secret.js';
import type { ClientAuthMethod, Evidence, Presentation, Refusal, RequestFacts, Unreadable } from './types.js';

const BASIC: Evidence = { method: 'client_secret_basic', details: null };
const POST: Evidence = { method: 'client_secret_post', details: null };
const INVALID_SECRET: Refusal = { refused: 'invalid_secret', details: null };

function malformed(description: string): Unreadable {
  return { unreadable: 'invalid_request', reason: 'invalid_request', description };
}

const NOT_ENCODED = malformed('client credentials are not correctly encoded');

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function decodeFormComponent(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Secret clients may use either secret method, as they always could; no other client may use one. */
function holdsSecret(client: CachedClient): boolean {
  const method = client.record.token_endpoint_auth_method;
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

/** The current secret always works; the previous one only until its grace period ends. */
function verifySecret(client: CachedClient, secret: string): boolean {
  const presented = digestSecret(secret);
  const { secret_digest, previous_secret_digest, previous_secret_expires_at } = client.record;
  if (secretMatchesDigest(presented, secret_digest)) return true;
  return (
    previous_secret_expires_at !== null &&
    previous_secret_expires_at.getTime() > Date.now() &&
    secretMatchesDigest(presented, previous_secret_digest)
  );
}

/** RFC 6749 §2.3.1 `client_secret_basic`: any Authorization header is an attempt at it. */
export const clientSecretBasic: ClientAuthMethod = {
  name: 'client_secret_basic',
  accepts: holdsSecret,
  presents: (facts) => facts.authorization !== undefined,
  read(facts: RequestFacts): Presentation | Unreadable {
    const [scheme, encoded] = facts.authorization!.split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !encoded)
      return {
        unreadable: 'invalid_client',
        reason: 'unsupported_authentication',
        description: 'only Basic client authentication is accepted in the Authorization header',
      };
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 1) return malformed('the Basic credentials are malformed');
    const clientId = decodeFormComponent(decoded.slice(0, separator));
    const credential = decodeFormComponent(decoded.slice(separator + 1));
    if (clientId === null || credential === null) return NOT_ENCODED;
    const bodyId = facts.params.get('client_id');
    if (bodyId !== undefined && bodyId !== clientId)
      return malformed('client_id does not match the Authorization header');
    return { clientId, credential };
  },
  verify: (presentation, client) => (verifySecret(client, presentation.credential) ? BASIC : INVALID_SECRET),
};

/** RFC 6749 §2.3.1 `client_secret_post`: client_id and client_secret in the form. */
export const clientSecretPost: ClientAuthMethod = {
  name: 'client_secret_post',
  accepts: holdsSecret,
  presents: (facts) => facts.params.has('client_secret'),
  read(facts: RequestFacts): Presentation | Unreadable {
    const clientId = facts.params.get('client_id');
    if (!clientId)
      return {
        unreadable: 'invalid_client',
        reason: 'no_client_authentication',
        description: 'client_secret_post needs client_id beside client_secret',
      };
    return { clientId, credential: facts.params.get('client_secret')! };
  },
  verify: (presentation, client) => (verifySecret(client, presentation.credential) ? POST : INVALID_SECRET),
};
