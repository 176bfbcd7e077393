import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvalidClientError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  PostOnlyError,
  RateLimitedError,
  RequestTooLargeError,
  TemporarilyUnavailableError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UseDpopNonceError,
} from '../../src/oauth/errors.js';
import { OAUTH_ANSWERS, sendOAuthError, toOAuthError } from '../../src/oauth/respond.js';
import { createLogger } from '../../src/observability/logger.js';
import { DependencyUnavailableError } from '../../src/x/errors.js';

/** The RFC 6749 §5.2 answers, written out here rather than read from src. */
const EXPECTED: readonly [string, OAuthError, number, string, Record<string, string>][] = [
  ['invalid_request', new InvalidRequestError('grant_type is required'), 400, 'invalid_request', {}],
  ['an oversized body', new RequestTooLargeError(4096), 413, 'invalid_request', { connection: 'close' }],
  ['another method than POST', new PostOnlyError(), 405, 'invalid_request', { allow: 'POST' }],
  [
    'invalid_client',
    new InvalidClientError('invalid_secret'),
    401,
    'invalid_client',
    { 'www-authenticate': 'Basic realm="tollgate", charset="UTF-8"' },
  ],
  ['invalid_scope', new InvalidScopeError('no such scope'), 400, 'invalid_scope', {}],
  ['unsupported_grant_type', new UnsupportedGrantTypeError(), 400, 'unsupported_grant_type', {}],
  [
    'unauthorized_client',
    new UnauthorizedClientError('ip_not_allowed', 'not from here'),
    400,
    'unauthorized_client',
    {},
  ],
  ['invalid_dpop_proof', new InvalidDpopProofError('dpop_proof_replayed', 'replayed'), 400, 'invalid_dpop_proof', {}],
  ['use_dpop_nonce', new UseDpopNonceError('n0nce'), 400, 'use_dpop_nonce', { 'dpop-nonce': 'n0nce' }],
  [
    'a rate limit',
    new RateLimitedError('token_issuance', 2_500, 'slow down'),
    429,
    'slow_down',
    { 'retry-after': '3' },
  ],
  [
    'an unavailable dependency',
    new TemporarilyUnavailableError(),
    503,
    'temporarily_unavailable',
    { 'retry-after': '1' },
  ],
  ['an unexpected error', new OAuthError('server_error', 'internal error'), 500, 'server_error', {}],
];

describe('the OAuth error table', () => {
  let server: Server;
  let current: OAuthError;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => sendOAuthError(res, current));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it.each(EXPECTED)('answers %s as RFC 6749 says, never cacheable', async (_, error, status, name, headers) => {
    current = error;
    const response = await fetch(url);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: name, error_description: error.description });
    expect(response.headers.get('cache-control')).toBe('no-store');
    for (const [header, value] of Object.entries(headers))
      expect({ header, value: response.headers.get(header) }).toEqual({ header, value });
  });

  it('has one answer for every code, and the test above covers each', () => {
    expect(Object.keys(OAUTH_ANSWERS).sort()).toEqual(EXPECTED.map(([, error]) => error.code).sort());
  });

  it('answers a dependency outage 503 and hides any other error behind server_error', () => {
    const logger = createLogger('silent');
    expect(toOAuthError(new DependencyUnavailableError('session_store', 'down'), logger).code).toBe(
      'temporarily_unavailable',
    );
    const hidden = toOAuthError(new Error('secret internals'), logger);
    expect({ code: hidden.code, description: hidden.description }).toEqual({
      code: 'server_error',
      description: 'internal error',
    });
  });
});
