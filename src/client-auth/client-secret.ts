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

/** Base64 (RFC 4648 §4) with its padding optional: nothing that decoding would have to skip or guess at. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The credentials of a Basic header, decoded strictly: Buffer's base64 decoder skips characters outside
 * the alphabet and stops at the first `=`, and a lenient UTF-8 decoder turns bad bytes into U+FFFD, so
 * without these checks many different headers would decode to the same credentials.
 */
function decodeBasicCredentials(encoded: string): string | Unreadable {
  if (!encoded || !BASE64.test(encoded)) return malformed('the Basic credentials are not valid base64');
  try {
    return STRICT_UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return malformed('the Basic credentials are not UTF-8');
  }
}

/** Secret clients may use either secret method, as they always could; no other client may use one. */
function holdsSecret(client: CachedClient): boolean {
  const method = client.record.tokenEndpointAuthMethod;
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

/** The current secret always works; the previous one only until its grace period ends. */
function verifySecret(client: CachedClient, secret: string): boolean {
  const presented = digestSecret(secret);
  const {
    secretDigest: secret_digest,
    previousSecretDigest: previous_secret_digest,
    previousSecretExpiresAt: previous_secret_expires_at,
  } = client.record;
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
    // `Basic <token68>` (RFC 7617): the scheme case-insensitive, one or more spaces after it (RFC 7235
    // §2.1), and nothing after the credentials.
    const [scheme, ...rest] = facts.authorization!.split(' ');
    if (scheme?.toLowerCase() !== 'basic')
      return {
        unreadable: 'invalid_client',
        reason: 'unsupported_authentication',
        description: 'only Basic client authentication is accepted in the Authorization header',
      };
    const credentials = rest.filter(Boolean);
    if (credentials.length !== 1) return malformed('the Basic credentials are malformed');
    const decoded = decodeBasicCredentials(credentials[0]!);
    if (typeof decoded !== 'string') return decoded;
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
