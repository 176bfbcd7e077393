import type { ServerResponse } from 'node:http';
import { isDatabaseUnavailable } from '../db/errors.js';
import { DependencyUnavailableError } from '../x/errors.js';
import { sendJson } from '../http/send.js';
import { NO_STORE_HEADERS, SECURITY_HEADERS } from '../http/security-headers.js';
import type { Logger } from '../observability/logger.js';
import { OAuthError, RateLimitedError, TemporarilyUnavailableError } from './errors.js';

/** Maps whatever a handler threw to an RFC 6749 error; an unexpected error is logged, never shown. */
export function toOAuthError(error: unknown, logger: Logger): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof DependencyUnavailableError || isDatabaseUnavailable(error)) return new TemporarilyUnavailableError();
  logger.error({ err: error }, 'unexpected error on an OAuth endpoint');
  return new OAuthError('server_error', 500, 'internal error', 'server_error');
}

export function sendOAuthError(res: ServerResponse, error: OAuthError, extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...NO_STORE_HEADERS, ...extraHeaders };
  if (error.status === 401) headers['WWW-Authenticate'] = 'Basic realm="tollgate", charset="UTF-8"';
  if (error.status === 503) headers['Retry-After'] = '1';
  if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error.status === 413) headers.Connection = 'close';
  sendJson(res, error.status, { error: error.error, error_description: error.description }, headers);
}

export function sendOAuthJson(res: ServerResponse, body: unknown): void {
  sendJson(res, 200, body, NO_STORE_HEADERS);
}

/** A 200 without a body (RFC 7009 §2.2: the status code says everything). */
export function sendOAuthEmpty(res: ServerResponse): void {
  res.writeHead(200, { ...SECURITY_HEADERS, ...NO_STORE_HEADERS, 'Content-Length': 0 });
  res.end();
}
