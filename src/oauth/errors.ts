/** An RFC 6749 §5.2 error response. `reason` is the machine-readable cause recorded for operators. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
    readonly description: string,
    readonly reason: string = error,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export class InvalidRequestError extends OAuthError {
  constructor(description: string) {
    super('invalid_request', 400, description);
  }
}

/** An oversized body: `invalid_request`, with 413 so that proxies and people see what happened. */
export class RequestTooLargeError extends OAuthError {
  constructor(limit: number) {
    super('invalid_request', 413, `request body exceeds ${limit} bytes`, 'body_too_large');
  }
}

/** One message for every authentication failure, so callers cannot tell an unknown client from a wrong secret. */
export class InvalidClientError extends OAuthError {
  constructor(reason: string, description = 'client authentication failed') {
    super('invalid_client', 401, description, reason);
  }
}

export class InvalidScopeError extends OAuthError {
  constructor(description: string) {
    super('invalid_scope', 400, description);
  }
}

export class UnsupportedGrantTypeError extends OAuthError {
  constructor() {
    super('unsupported_grant_type', 400, 'only grant_type=client_credentials is supported');
  }
}

/** The client authenticated but may not get a token here (IP allowlist, session cap). */
export class UnauthorizedClientError extends OAuthError {
  constructor(reason: string, description: string) {
    super('unauthorized_client', 400, description, reason);
  }
}

export class TemporarilyUnavailableError extends OAuthError {
  constructor(description = 'a dependency is unavailable; retry shortly') {
    super('temporarily_unavailable', 503, description, 'dependency_unavailable');
  }
}

/** Which limit refused a request: repeated failed authentications, or one client's issuance rate. */
export type RateLimit = 'failed_authentication' | 'token_issuance';

/**
 * 429 past a rate limit. RFC 6749 defines no such error; `slow_down` is the registered token-endpoint
 * error that means exactly "retry later, less often" (RFC 8628 §3.5), and Retry-After says when.
 */
export class RateLimitedError extends OAuthError {
  readonly retryAfterSeconds: number;

  constructor(
    readonly limit: RateLimit,
    retryAfterMs: number,
    description: string,
  ) {
    super('slow_down', 429, description, 'rate_limited');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/**
 * The token, introspection and revocation endpoints take POST only (RFC 6749 §3.2, RFC 7662 §2.1,
 * RFC 7009 §2.1); answering every other method here also keeps CORS preflights from succeeding.
 */
export class MethodNotAllowedError extends OAuthError {
  constructor() {
    super('invalid_request', 405, 'this endpoint accepts POST only', 'method_not_allowed');
  }
}
