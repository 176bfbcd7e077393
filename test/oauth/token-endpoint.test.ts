import { Redis } from 'ioredis';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'openid-client';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, basicAuth, createClient, requestToken } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';
import { REDIS_URL } from '../support/services.js';

let server: TestServer;
let admin: string;
const redis = new Redis(REDIS_URL);

beforeAll(async () => {
  server = await startSharedServer({ TRUST_PROXY: 'true' });
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server.stop();
  redis.disconnect();
});

describe('token endpoint with a real OAuth client and a JWKS verifier', () => {
  it('issues a token to openid-client that jose verifies through the remote JWKS', async () => {
    const client = await createClient(server.url, admin, { name: 'SIEM collector', role: 'read-only' });
    const configuration = await oauth.discovery(
      new URL(server.url),
      client.client_id,
      undefined,
      oauth.ClientSecretBasic(client.client_secret),
      {
        execute: [oauth.allowInsecureRequests],
      },
    );
    const tokens = await oauth.clientCredentialsGrant(configuration);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(86400);
    expect(tokens.scope).toBe('read');

    const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.config.issuer,
      audience: server.config.tokenAudience,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      sub: client.client_id,
      client_id: client.client_id,
      scope: 'read',
      role: 'read-only',
    });
    expect(payload.exp! - payload.iat!).toBe(86400);
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('accepts client_secret_post and answers exactly the documented fields', async () => {
    const client = await createClient(server.url, admin, { name: 'poster', role: 'analyst' });
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'read write' });
  });

  it('keeps every concurrent token alive as its own session in Redis', async () => {
    const client = await createClient(server.url, admin, { name: 'many tokens', role: 'analyst' });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => requestToken(server.url, client.client_id, client.client_secret)),
    );
    const jtis = new Set<string>();
    for (const { status, body } of results) {
      expect(status).toBe(200);
      const [, payload] = (body.access_token as string).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { jti: string; exp: number };
      jtis.add(claims.jti);
      const key = `tg:{${client.client_id}}:s:${claims.jti}`;
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    }
    expect(jtis.size).toBe(5);
    expect(await redis.zcard(`tg:{${client.client_id}}:idx`)).toBe(5);
  });

  it('grants a requested subset of the role scopes and refuses anything outside it', async () => {
    const client = await createClient(server.url, admin, { name: 'scoped', role: 'analyst' });
    const subset = await requestToken(server.url, client.client_id, client.client_secret, { scope: 'write' });
    expect(subset.status).toBe(200);
    expect(subset.body.scope).toBe('write');
    const outside = await requestToken(server.url, client.client_id, client.client_secret, { scope: 'read admin' });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toBe('invalid_scope');
  });

  it('ignores a requested lifetime: tokens always live 24 hours', async () => {
    const client = await createClient(server.url, admin, { name: 'lifetime', role: 'read-only' });
    const { body } = await requestToken(server.url, client.client_id, client.client_secret, { expires_in: '999999' });
    expect(body.expires_in).toBe(86400);
  });
});

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let client: { client_id: string; client_secret: string };
  beforeAll(async () => {
    client = await createClient(server.url, admin, { name: 'errors', role: 'read-only' });
  });

  it('answers 401 invalid_client with WWW-Authenticate for a wrong secret, an unknown client and no credentials', async () => {
    const wrongSecret = await requestToken(server.url, client.client_id, 'not-the-secret');
    const unknown = await requestToken(server.url, 'tgc_does_not_exist', 'whatever');
    const none = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    for (const result of [wrongSecret, unknown]) {
      expect(result.status).toBe(401);
      expect(result.body.error).toBe('invalid_client');
      expect(result.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    expect(wrongSecret.body.error_description).toBe(unknown.body.error_description);
    expect(none.status).toBe(401);
  });

  it('answers a client_id no client can have (a NUL byte, say) with invalid_client, without asking the database', async () => {
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=a%00b&client_secret=x',
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses inactive clients and deleted clients with invalid_client', async () => {
    const inactive = await createClient(server.url, admin, { name: 'inactive', role: 'read-only', status: 'inactive' });
    expect((await requestToken(server.url, inactive.client_id, inactive.client_secret)).status).toBe(401);

    const deleted = await createClient(server.url, admin, { name: 'deleted', role: 'read-only' });
    expect((await requestToken(server.url, deleted.client_id, deleted.client_secret)).status).toBe(200);
    expect((await api(server.url, admin, 'DELETE', `/clients/${deleted.client_id}`)).status).toBe(204);
    const after = await requestToken(server.url, deleted.client_id, deleted.client_secret);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid_client');
  });

  it('stops issuing at once when a client is set inactive', async () => {
    const target = await createClient(server.url, admin, { name: 'deactivate me', role: 'read-only' });
    expect((await requestToken(server.url, target.client_id, target.client_secret)).status).toBe(200);
    expect((await api(server.url, admin, 'PATCH', `/clients/${target.client_id}`, { status: 'inactive' })).status).toBe(
      200,
    );
    expect((await requestToken(server.url, target.client_id, target.client_secret)).status).toBe(401);
  });

  it('answers unsupported_grant_type, and invalid_request for a missing grant, duplicates and two auth methods', async () => {
    const password = await requestToken(server.url, client.client_id, client.client_secret, { grant_type: 'password' });
    expect(password.body.error).toBe('unsupported_grant_type');
    expect(password.status).toBe(400);

    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const missing = await post(`client_id=${client.client_id}&client_secret=${client.client_secret}`);
    const duplicate = await post(
      `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.client_id}&client_secret=x`,
    );
    const both = await post(`grant_type=client_credentials&client_secret=${client.client_secret}`, {
      authorization: basicAuth(client.client_id, client.client_secret),
    });
    const json = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    for (const response of [missing, duplicate, both, json]) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('answers an oversized body with 413 invalid_request instead of dropping the connection', async () => {
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'a'.repeat(100_000)}`,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses requests from outside the IP allowlist with unauthorized_client, and accepts those inside', async () => {
    const fenced = await createClient(server.url, admin, {
      name: 'fenced',
      role: 'read-only',
      ip_allowlist: ['203.0.113.0/24', '2001:db8::/32'],
    });
    const outside = await requestToken(
      server.url,
      fenced.client_id,
      fenced.client_secret,
      {},
      { 'x-forwarded-for': '198.51.100.7' },
    );
    expect(outside.status).toBe(400);
    expect(outside.body.error).toBe('unauthorized_client');
    expect(outside.body.access_token).toBeUndefined();
    const insideV4 = await requestToken(
      server.url,
      fenced.client_id,
      fenced.client_secret,
      {},
      { 'x-forwarded-for': '203.0.113.9' },
    );
    const insideV6 = await requestToken(
      server.url,
      fenced.client_id,
      fenced.client_secret,
      {},
      { 'x-forwarded-for': '2001:db8::1' },
    );
    expect(insideV4.status).toBe(200);
    expect(insideV6.status).toBe(200);
  });

  it('trusts only the right-most X-Forwarded-For entry, so a spoofed left entry does not pass the allowlist', async () => {
    const fenced = await createClient(server.url, admin, {
      name: 'spoof',
      role: 'read-only',
      ip_allowlist: ['203.0.113.9'],
    });
    const spoofed = await requestToken(
      server.url,
      fenced.client_id,
      fenced.client_secret,
      {},
      { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' },
    );
    expect(spoofed.status).toBe(400);
  });
});

describe('discovery and JWKS', () => {
  it('serves both discovery documents with the client-credentials metadata', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const metadata = (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: server.config.issuer,
        token_endpoint: `${server.config.issuer}/token`,
        jwks_uri: `${server.config.issuer}/jwks`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      });
      expect(metadata.authorization_endpoint).toBeUndefined();
    }
  });

  it('publishes public keys only, and the active key signs', async () => {
    const jwks = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ use: 'sig', alg: 'RS256', kid: expect.any(String) });
      for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[privatePart]).toBeUndefined();
    }
    const token = await adminToken(server.url);
    expect(jwks.keys.map((key) => key.kid)).toContain(decodeProtectedHeader(token).kid);
  });
});
