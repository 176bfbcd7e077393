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
    headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function adminToken(baseUrl: string): Promise<string> {
  const { status, body } = await requestToken(baseUrl, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
  if (status !== 200) throw new Error(`admin token request failed: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

export interface ApiResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Calls the admin API with a bearer token and a JSON body. */
export async function api<T = Record<string, unknown>>(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

export async function createClient(baseUrl: string, token: string, fields: Record<string, unknown>): Promise<CreatedClient> {
  const { status, body } = await api<CreatedClient>(baseUrl, token, 'POST', '/clients', fields);
  if (status !== 201) throw new Error(`client creation failed: ${status} ${JSON.stringify(body)}`);
  return body;
}
