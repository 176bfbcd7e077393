import { createPublicKey } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_PROXY } from '../../src/config/proxy-trust.js';
import { generateSigningKey } from '../../src/keys/generate.js';
import { KeyRing } from '../../src/keys/key-ring.js';
import { createProvider } from '../../src/oauth/provider.js';
import { OAUTH_PATHS } from '../../src/x/oauth-paths.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, basicAuth, type CreatedClient, createClient } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/**
 * Every spelling of an OAuth endpoint reaches Tollgate's own handler (only the exact path, with or
 * without a query) or gets Tollgate's 404; oidc-provider answers nothing but discovery and the JWKS.
 * Requests go out through node:http with the request target exactly as written, not through fetch,
 * which would normalise `/./token` and the like before sending.
 */

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true });

afterAll(() => {
  agent.destroy();
});

function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // Node sends no Content-Length for a DELETE or OPTIONS body unless told: the server would read it as the next request.
    const length: Record<string, string> =
      body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest(
      { agent, hostname, port, method, path: target, headers: { ...headers, ...length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const OAUTH_ENDPOINTS = [OAUTH_PATHS.token, OAUTH_PATHS.introspection, OAUTH_PATHS.revocation];
const PUBLISHED = [OAUTH_PATHS.jwks, OAUTH_PATHS.openidConfiguration, OAUTH_PATHS.authorizationServerMetadata];

function capitalised(path: string): string {
  return path.replace(/\/(\w)/g, (_, letter: string) => `/${letter.toUpperCase()}`);
}

/** `/token/introspection` → `/token/%69ntrospection`: the last segment's first letter percent-encoded. */
function encodedLetter(path: string): string {
  const cut = path.lastIndexOf('/') + 1;
  return `${path.slice(0, cut)}%${path.charCodeAt(cut).toString(16)}${path.slice(cut + 1)}`;
}

/** Other spellings of one path, none of them the path itself. */
function spellingsOf(path: string, origin: string): string[] {
  return [
    `${path}/`,
    path.toUpperCase(),
    capitalised(path),
    `${capitalised(path)}/`,
    `/${path}`,
    `${path}//`,
    path.replaceAll('/', '//'),
    `${path};x`,
    `${path};`,
    `${path}%2F`,
    `${path}%2f`,
    `${path}%20`,
    `${path}%00`,
    `${path}%`,
    `${path}#x`,
    `${path}.`,
    `${path}.json`,
    `${path}/x`,
    encodedLetter(path),
    `/${path.slice(1).replaceAll('/', '%2F')}`,
    `/.${path}`,
    `/x/..${path}`,
    `${path}/.`,
    `${path}/x/..`,
    `${origin}${path}`,
    `${origin}${path.toUpperCase()}`,
    `//example.com${path}`,
    `HTTP://example.com${path}`,
  ].filter((variant) => variant !== path);
}

/** Routes oidc-provider registers by itself, whatever its configuration says about them. */
const PROVIDER_OWN_ROUTES = [
  '/auth',
  '/auth/abc',
  '/session/end',
  '/session/end/confirm',
  '/session/end/success',
  '/me',
  '/reg',
  '/reg/abc',
  '/device',
  '/device/auth',
  '/request',
  '/backchannel',
  '/challenge',
  '/credential',
  '/interaction/abc',
  '/interaction/abc/abort',
  '/.well-known/openid-credential-issuer',
  '/',
  '*',
];

const METHODS = ['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'];

const NOT_FOUND_BODY = { title: 'Not found', status: 404, detail: 'no such endpoint', code: 'not_found' };

describe('path variants of the OAuth endpoints', () => {
  let server: TestServer;
  let client: CreatedClient;
  let admin: string;

  beforeAll(async () => {
    server = await startSharedServer();
    admin = await adminToken(server.url);
    client = await createClient(server.url, admin, { name: 'path variants', role: 'read-only' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** What a client library would send: Basic credentials, a client-credentials form, a token to look at, a browser origin. */
  function attempt(method: string, target: string): Promise<RawResponse> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', token: 'not-a-token' }).toString();
    const headers = {
      authorization: basicAuth(client.client_id, client.client_secret),
      origin: 'https://browser.example.com',
      'access-control-request-method': 'POST',
      ...(method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    };
    return send(server.url, method, target, headers, method === 'GET' || method === 'HEAD' ? undefined : form);
  }

  /** Tollgate's own answer for an exact OAuth path: a token, an introspection, a revocation, or 405 for another method. */
  function expectOurEndpoint(label: string, endpoint: string, method: string, response: RawResponse): void {
    if (method !== 'POST') {
      expect({ label, status: response.status, allow: response.headers.allow }).toEqual({
        label,
        status: 405,
        allow: 'POST',
      });
      if (method !== 'HEAD')
        expect({ label, body: JSON.parse(response.body) }).toEqual({
          label,
          body: { error: 'invalid_request', error_description: 'this endpoint accepts POST only' },
        });
      return;
    }
    expect({ label, status: response.status }).toEqual({ label, status: 200 });
    const body = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
    if (endpoint === OAUTH_PATHS.token)
      expect({ label, token_type: body.token_type }).toEqual({ label, token_type: 'Bearer' });
    if (endpoint === OAUTH_PATHS.introspection) expect({ label, body }).toEqual({ label, body: { active: false } });
  }

  function expectNotFound(label: string, method: string, response: RawResponse): void {
    expect({ label, status: response.status, type: response.headers['content-type'] }).toEqual({
      label,
      status: 404,
      type: 'application/problem+json',
    });
    if (method !== 'HEAD') {
      // `instance` is the request's path as sent, whatever its spelling.
      const { instance, ...body } = JSON.parse(response.body) as Record<string, unknown>;
      expect({ label, body, instance: typeof instance }).toEqual({
        label,
        body: { ...NOT_FOUND_BODY, type: `${server.url}/api/v1/problems/not_found` },
        instance: 'string',
      });
    }
    // oidc-provider would answer a preflight with CORS headers; nothing here allows a browser in.
    expect({ label, cors: response.headers['access-control-allow-origin'] }).toEqual({ label, cors: undefined });
  }

  it('reach Tollgate only at the exact path (with or without a query); every other spelling, and every route of oidc-provider, is a 404', async () => {
    const sessionsBefore = await api<{ items: unknown[] }>(
      server.url,
      admin,
      'GET',
      `/clients/${client.client_id}/sessions`,
    );
    let issued = 0;
    let checked = 0;
    const exact = OAUTH_ENDPOINTS.flatMap((endpoint) =>
      [endpoint, `${endpoint}?`, `${endpoint}?x=1`, `${endpoint}?grant_type=client_credentials`].map((target) => ({
        target,
        endpoint,
      })),
    );
    const others = [
      ...[...OAUTH_ENDPOINTS, ...PUBLISHED].flatMap((path) => spellingsOf(path, server.url)),
      ...PROVIDER_OWN_ROUTES,
      '/token/introspection/revocation',
      '/token/Introspection',
      '/token/userinfo',
    ].filter((target) => !exact.some((known) => known.target === target) && !PUBLISHED.includes(target as never));
    for (const method of METHODS) {
      for (const { target, endpoint } of exact) {
        const response = await attempt(method, target);
        expectOurEndpoint(`${method} ${target}`, endpoint, method, response);
        if (method === 'POST' && endpoint === OAUTH_PATHS.token) issued++;
        checked++;
      }
      for (const target of others) {
        expectNotFound(`${method} ${target}`, method, await attempt(method, target));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    // Every token issued is one of Tollgate's sessions, issued by its own handler at the exact path.
    const sessionsAfter = await api<{ items: unknown[] }>(
      server.url,
      admin,
      'GET',
      `/clients/${client.client_id}/sessions`,
    );
    expect(sessionsAfter.body.items.length - sessionsBefore.body.items.length).toBe(issued);
    expect(issued).toBe(4);
  });

  it('leave discovery (both well-known paths) and the JWKS to oidc-provider, for reading only', async () => {
    for (const path of PUBLISHED) {
      for (const target of [path, `${path}?x=1`]) {
        const response = await attempt('GET', target);
        expect({ target, status: response.status }).toEqual({ target, status: 200 });
        const body = JSON.parse(response.body) as Record<string, unknown>;
        if (path === OAUTH_PATHS.jwks) expect(Array.isArray(body.keys)).toBe(true);
        else
          expect(body).toMatchObject({ issuer: server.config.issuer, token_endpoint: `${server.config.issuer}/token` });
      }
      expect((await attempt('HEAD', path)).status).toBe(200);
      const preflight = await attempt('OPTIONS', path);
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://browser.example.com');
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const response = await attempt(method, path);
        expect({ path, method, status: response.status, allow: response.headers.allow }).toEqual({
          path,
          method,
          status: 405,
          allow: 'GET, HEAD, OPTIONS',
        });
        expect(response.headers['content-type']).toBe('application/problem+json');
      }
    }
  });
});

describe('the oidc-provider instance on its own', () => {
  let provider: Server;
  let base: string;

  beforeAll(async () => {
    const key = await generateSigningKey('ES256');
    const ring = new KeyRing([
      {
        ...key,
        alg: 'ES256',
        status: 'active',
        publicKey: createPublicKey(key.privateKey),
        createdAt: new Date(),
        activatedAt: new Date(),
        retiredAt: null,
        expiresAt: null,
      },
    ]);
    provider = createServer();
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const handler = createProvider(ring, {
      issuer: base,
      proxyTrust: NO_PROXY,
      jwksMaxAgeSeconds: 60,
      mtls: false,
      scopesSupported: async () => [],
    }).callback();
    provider.on('request', handler);
  });

  afterAll(async () => {
    if (provider) await new Promise((resolve) => provider.close(resolve));
  });

  it('refuses every path but discovery and the JWKS, its own token endpoint in every spelling included', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'any',
      client_secret: 'any',
    }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const target of [
      ...OAUTH_ENDPOINTS,
      ...OAUTH_ENDPOINTS.flatMap((path) => spellingsOf(path, base)),
      ...PROVIDER_OWN_ROUTES,
    ]) {
      for (const method of METHODS) {
        const response = await send(
          base,
          method,
          target,
          headers,
          method === 'GET' || method === 'HEAD' ? undefined : form,
        );
        expect({ method, target, status: response.status, token: response.body.includes('access_token') }).toEqual({
          method,
          target,
          status: 404,
          token: false,
        });
      }
    }
    for (const path of PUBLISHED) expect((await send(base, 'GET', path)).status).toBe(200);
  });
});
