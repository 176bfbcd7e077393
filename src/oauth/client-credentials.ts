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

/** Base64 (RFC 4648 §4) with its padding optional: nothing that decoding would have to skip or guess at. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The credentials of a Basic header, decoded strictly: Buffer's base64 decoder skips characters outside
 * the alphabet and stops at the first `=`, and a lenient UTF-8 decoder turns bad bytes into U+FFFD, so
 * without these checks many different headers would decode to the same credentials.
 */
function decodeBasicCredentials(encoded: string): string {
  if (!encoded || !BASE64.test(encoded)) throw new InvalidRequestError('the Basic credentials are not valid base64');
  try {
    return STRICT_UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    throw new InvalidRequestError('the Basic credentials are not UTF-8');
  }
}

/**
 * `Basic <token68>` (RFC 7617): the scheme case-insensitive, one or more spaces after it (RFC 7235 §2.1),
 * and nothing after the credentials.
 */
function fromBasicHeader(authorization: string): { clientId: string; clientSecret: string } {
  const [scheme, ...rest] = authorization.split(' ');
  if (scheme?.toLowerCase() !== 'basic')
    throw new InvalidClientError(
      'unsupported_authentication',
      'only Basic client authentication is accepted in the Authorization header',
    );
  const credentials = rest.filter(Boolean);
  if (credentials.length !== 1) throw new InvalidRequestError('the Basic credentials are malformed');
  const decoded = decodeBasicCredentials(credentials[0]!);
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
