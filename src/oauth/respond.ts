import type { ServerResponse } from 'node:http';
import { NO_STORE_HEADERS, SECURITY_HEADERS } from '../http/security-headers.js';
import { sendJson } from '../http/send.js';
import type { Logger } from '../observability/logger.js';
import { DependencyUnavailableError } from '../x/errors.js';
import {
  OAuthError,
  type OAuthErrorCode,
  RateLimitedError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from './errors.js';

/** An RFC 6749 §5.2 answer: the HTTP status and the registered `error` value. */
export interface OAuthAnswer {
  readonly status: number;
  readonly error: string;
}

/** The one table from OAuth error codes to answers. */
export const OAUTH_ANSWERS = {
  invalid_request: { status: 400, error: 'invalid_request' },
  request_too_large: { status: 413, error: 'invalid_request' },
  method_not_allowed: { status: 405, error: 'invalid_request' },
  invalid_client: { status: 401, error: 'invalid_client' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  unauthorized_client: { status: 400, error: 'unauthorized_client' },
  invalid_dpop_proof: { status: 400, error: 'invalid_dpop_proof' },
  use_dpop_nonce: { status: 400, error: 'use_dpop_nonce' },
  rate_limited: { status: 429, error: 'slow_down' },
  temporarily_unavailable: { status: 503, error: 'temporarily_unavailable' },
  server_error: { status: 500, error: 'server_error' },
} as const satisfies Record<OAuthErrorCode, OAuthAnswer>;

/** Maps whatever a handler threw to an OAuth error; an unexpected error is logged, never shown. */
export function toOAuthError(error: unknown, logger: Logger): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof DependencyUnavailableError) return new TemporarilyUnavailableError();
  logger.error({ err: error }, 'unexpected error on an OAuth endpoint');
  return new OAuthError('server_error', 'internal error');
}

function headersOf(error: OAuthError): Record<string, string> {
  if (error instanceof RateLimitedError) return { 'Retry-After': String(error.retryAfterSeconds) };
  if (error instanceof UseDpopNonceError) return { 'DPoP-Nonce': error.nonce };
  switch (error.code) {
    case 'invalid_client':
      return { 'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"' };
    case 'temporarily_unavailable':
      return { 'Retry-After': '1' };
    // The rest of an oversized body is not read: the connection cannot carry another request.
    case 'request_too_large':
      return { Connection: 'close' };
    case 'method_not_allowed':
      return { Allow: 'POST' };
    default:
      return {};
  }
}

export function sendOAuthError(res: ServerResponse, error: OAuthError): void {
  const { status, error: name } = OAUTH_ANSWERS[error.code];
  sendJson(
    res,
    status,
    { error: name, error_description: error.description },
    Object.assign({}, NO_STORE_HEADERS, headersOf(error)),
  );
}

export function sendOAuthJson(
  res: ServerResponse,
  body: unknown,
  headers: Readonly<Record<string, string>> | null = null,
): void {
  sendJson(res, 200, body, headers ? Object.assign({}, NO_STORE_HEADERS, headers) : NO_STORE_HEADERS);
}

const EMPTY_ANSWER_HEADERS: Readonly<Record<string, string | number>> = {
  ...SECURITY_HEADERS,
  ...NO_STORE_HEADERS,
  'Content-Length': 0,
};

/** A 200 without a body (RFC 7009 §2.2: the status code says everything). */
export function sendOAuthEmpty(res: ServerResponse): void {
  res.writeHead(200, EMPTY_ANSWER_HEADERS);
  res.end();
}
