import type { IncomingHttpHeaders } from 'node:http';
import { isWellFormedClientId } from '../clients/schemas.js';
import { InvalidClientError, InvalidRequestError } from './errors.js';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly method: 'client_secret_basic' | 'client_secret_post';
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new InvalidRequestError('client credentials are not correctly encoded');
  }
}

function fromBasicHeader(authorization: string): { clientId: string; clientSecret: string } {
  const [scheme, encoded] = authorization.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded)
    throw new InvalidClientError(
      'unsupported_authentication',
      'only Basic client authentication is accepted in the Authorization header',
    );
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 1) throw new InvalidRequestError('the Basic credentials are malformed');
  return {
    clientId: decodeFormComponent(decoded.slice(0, separator)),
    clientSecret: decodeFormComponent(decoded.slice(separator + 1)),
  };
}

/** client_secret_basic or client_secret_post, exactly one of them (RFC 6749 §2.3). */
function readClientCredentials(headers: IncomingHttpHeaders, params: ReadonlyMap<string, string>): ClientCredentials {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (headers.authorization) {
    if (bodySecret !== undefined) throw new InvalidRequestError('use one client authentication method, not both');
    const basic = fromBasicHeader(headers.authorization);
    if (bodyId !== undefined && bodyId !== basic.clientId)
      throw new InvalidRequestError('client_id does not match the Authorization header');
    return { ...basic, method: 'client_secret_basic' };
  }
  if (!bodyId || bodySecret === undefined)
    throw new InvalidClientError(
      'no_client_authentication',
      'client authentication is required (client_secret_basic or client_secret_post)',
    );
  return { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' };
}

/**
 * The request's client credentials, with a client_id that some client could have: anything else (a
 * secret pasted into the wrong field, 16 KB of junk) is refused here, before it can reach a lookup,
 * a log line or the audit trail.
 */
export function extractClientCredentials(
  headers: IncomingHttpHeaders,
  params: ReadonlyMap<string, string>,
): ClientCredentials {
  const credentials = readClientCredentials(headers, params);
  if (!isWellFormedClientId(credentials.clientId)) throw new InvalidClientError('malformed_client_id');
  return credentials;
}
