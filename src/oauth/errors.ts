import { TollgateError } from '../x/errors.js';

/**
 * Why an OAuth endpoint refuses. respond.ts maps each to its RFC 6749 §5.2 answer (HTTP status and
 * `error` value) in one table; several codes share an `error` value but not a status.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'request_too_large'
  | 'method_not_allowed'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unauthorized_client'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'rate_limited'
  | 'temporarily_unavailable'
  | 'server_error';

/** An OAuth refusal. `reason` is the machine-readable cause recorded for operators (audit, metrics). */
export class OAuthError extends TollgateError<OAuthErrorCode> {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly reason: string = code,
  ) {
    super(description);
  }
}

export class InvalidRequestError extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description);
  }
}

/** An oversized body: `invalid_request`, with 413 so that proxies and people see what happened. */
export class RequestTooLargeError extends OAuthError {
  constructor(limit: number) {
    super('request_too_large', `request body exceeds ${limit} bytes`, 'body_too_large');
  }
}

/**
 * One message for every authentication failure, so callers cannot tell an unknown client from a wrong
 * secret. `details` (a key id, say; never a credential) goes to the audit trail beside the reason.
 */
export class InvalidClientError extends OAuthError {
  constructor(
    reason: string,
    description = 'client authentication failed',
    readonly details: Readonly<Record<string, string>> | null = null,
  ) {
    super('invalid_client', description, reason);
  }
}

export class InvalidScopeError extends OAuthError {
  constructor(description: string) {
    super('invalid_scope', description);
  }
}

export class UnsupportedGrantTypeError extends OAuthError {
  constructor() {
    super('unsupported_grant_type', 'only grant_type=client_credentials is supported');
  }
}

/** The client authenticated but may not get a token here (IP allowlist, session cap). */
export class UnauthorizedClientError extends OAuthError {
  constructor(reason: string, description: string) {
    super('unauthorized_client', description, reason);
  }
}

/** A DPoP proof that is missing where required, malformed or invalid (RFC 9449 §5, §4.3). */
export class InvalidDpopProofError extends OAuthError {
  constructor(reason: string, description: string) {
    super('invalid_dpop_proof', description, reason);
  }
}

/** The proof lacks the server's current nonce (RFC 9449 §8): the answer hands one out in `DPoP-Nonce`. */
export class UseDpopNonceError extends OAuthError {
  constructor(readonly nonce: string) {
    super('use_dpop_nonce', 'the DPoP proof must carry the nonce given in the DPoP-Nonce header', 'dpop_nonce_missing');
  }
}

export class TemporarilyUnavailableError extends OAuthError {
  constructor(description = 'a dependency is unavailable; retry shortly') {
    super('temporarily_unavailable', description, 'dependency_unavailable');
  }
}

/** Which limit refused a request: repeated failed authentications, or one client's issuance rate. */
export type RateLimit = 'failed_authentication' | 'token_issuance';

/**
 * Past a rate limit. RFC 6749 defines no such error; `slow_down` is the registered token-endpoint error
 * that means exactly "retry later, less often" (RFC 8628 §3.5), and Retry-After says when.
 */
export class RateLimitedError extends OAuthError {
  readonly retryAfterSeconds: number;

  constructor(
    readonly limit: RateLimit,
    retryAfterMs: number,
    description: string,
  ) {
    super('rate_limited', description, 'rate_limited');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/**
 * The token, introspection and revocation endpoints take POST only (RFC 6749 §3.2, RFC 7662 §2.1,
 * RFC 7009 §2.1); answering every other method here also keeps CORS preflights from succeeding.
 */
export class PostOnlyError extends OAuthError {
  constructor() {
    super('method_not_allowed', 'this endpoint accepts POST only', 'method_not_allowed');
  }
}
