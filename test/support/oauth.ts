import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET } from './server.js';

export interface TokenResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

/** A token request with client_secret_basic, as most client libraries send it. */
export async function requestToken(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<TokenResult> {
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(clientId, clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

export function adminToken(baseUrl: string): Promise<string> {
  return tokenFor(baseUrl, { client_id: ADMIN_CLIENT_ID, client_secret: ADMIN_CLIENT_SECRET });
}

export interface ApiResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Calls the admin API with a bearer token and a JSON body. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

export interface CreatedClient {
  client_id: string;
  client_secret: string;
  [field: string]: unknown;
}

export async function createClient(
  baseUrl: string,
  token: string,
  fields: Record<string, unknown>,
): Promise<CreatedClient> {
  const { status, body } = await api<CreatedClient>(baseUrl, token, 'POST', '/clients', fields);
  if (status !== 201) throw new Error(`client creation failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** A form POST to one of our OAuth endpoints with client_secret_basic; `body` is undefined when empty. */
export async function postOAuth(
  baseUrl: string,
  path: string,
  clientId: string,
  clientSecret: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> | undefined; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: response.headers,
  };
}

export function introspect(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
  token: string,
  params: Record<string, string> = {},
) {
  return postOAuth(baseUrl, '/token/introspection', clientId, clientSecret, { token, ...params });
}

export function revoke(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
  token: string,
  params: Record<string, string> = {},
) {
  return postOAuth(baseUrl, '/token/revocation', clientId, clientSecret, { token, ...params });
}

/** A token's payload, read without verification (tests only). */
export function claimsOf(token: string): Record<string, unknown> & { jti: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown> & {
    jti: string;
    exp: number;
    iat: number;
  };
}

/** Issues a token and returns it; fails the test when the server refuses. */
export async function tokenFor(baseUrl: string, client: { client_id: string; client_secret: string }): Promise<string> {
  const { status, body } = await requestToken(baseUrl, client.client_id, client.client_secret);
  if (status !== 200) throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/** A fresh documentation-range IPv6 address per call, so tests sharing one Redis never share counters. */
export function uniqueIp(): string {
  const hex = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${hex()}:${hex()}::${hex()}`;
}

/** A token request as seen from `ip` (the server must run with TRUST_PROXY). */
export function requestTokenFrom(
  ip: string,
  baseUrl: string,
  clientId: string,
  clientSecret: string,
): Promise<TokenResult> {
  return requestToken(baseUrl, clientId, clientSecret, {}, { 'x-forwarded-for': ip });
}
