import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { signCompact } from '../../src/tokens/jws.js';
import { SERVER_MODES } from '../support/modes.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  introspect,
  postOAuth,
  revoke,
  tokenFor,
} from '../support/oauth.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, type TestServer } from '../support/server.js';

const ACTIVE_FIELDS = ['active', 'aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'role', 'scope', 'sub', 'token_type'];

describe.each(SERVER_MODES)('introspection and revocation, $name', (mode) => {
  let server: TestServer;
  let admin: string;
  let resourceServer: CreatedClient;
  let analyst: CreatedClient;
  let other: CreatedClient;

  beforeAll(async () => {
    server = await mode.start();
    admin = await adminToken(server.url);
    [resourceServer, analyst, other] = await Promise.all([
      createClient(server.url, admin, { name: 'orders API', role: 'resource-server' }),
      createClient(server.url, admin, { name: 'analyst', role: 'analyst' }),
      createClient(server.url, admin, { name: 'someone else', role: 'read-only' }),
    ]);
  });
  afterAll(() => server?.stop());

  const introspectAs = (
    caller: { client_id: string; client_secret: string },
    token: string,
    params: Record<string, string> = {},
  ) => introspect(server.url, caller.client_id, caller.client_secret, token, params);
  const activeFor = async (token: string) => (await introspectAs(resourceServer, token)).body?.active;

  it('advertises both endpoints in both discovery documents', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const metadata = (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
      expect(metadata.introspection_endpoint).toBe(`${server.config.issuer}/token/introspection`);
      expect(metadata.revocation_endpoint).toBe(`${server.config.issuer}/token/revocation`);
    }
  });

  it('answers exactly the documented fields for a live token, to a resource server', async () => {
    const token = await tokenFor(server.url, analyst);
    const { status, body, headers } = await introspectAs(resourceServer, token);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const claims = claimsOf(token);
    expect(Object.keys(body!).sort()).toEqual(ACTIVE_FIELDS);
    expect(body).toEqual({
      active: true,
      client_id: analyst.client_id,
      sub: analyst.client_id,
      scope: 'read write',
      role: 'analyst',
      aud: server.config.tokenAudience,
      iss: server.config.issuer,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
    });
  });

  it('lets admins introspect any token, and other clients only their own', async () => {
    const token = await tokenFor(server.url, analyst);
    expect(
      (await introspectAs({ client_id: ADMIN_CLIENT_ID, client_secret: ADMIN_CLIENT_SECRET }, token)).body?.active,
    ).toBe(true);
    expect((await introspectAs(analyst, token)).body?.active).toBe(true);
    const foreign = await introspectAs(other, token);
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual({ active: false });
  });

  it('answers {active: false} and nothing else for garbage, forged, foreign and expired tokens', async () => {
    const genuine = await tokenFor(server.url, analyst);
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const escalated = Buffer.from(JSON.stringify({ ...claimsOf(genuine), scope: 'admin' })).toString('base64url');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = JSON.parse(Buffer.from(header, 'base64url').toString()).kid as string;
    const foreign = await new SignJWT({ ...claimsOf(genuine) })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
      .sign(privateKey);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const now = Math.floor(Date.now() / 1000);
    const expired = await signCompact(
      { typ: 'at+jwt' },
      { ...claimsOf(genuine), iat: now - 90_000, exp: now - 3_600 },
      server.app.keys.current().active,
    );

    for (const token of [
      '',
      'garbage',
      'a.b.c',
      `${header}.${escalated}.${signature}`,
      foreign,
      unsigned,
      expired,
      'x'.repeat(10_000),
    ]) {
      const { status, body } = await introspectAs(resourceServer, token);
      if (token === '') {
        expect(status).toBe(400);
        expect(body?.error).toBe('invalid_request');
      } else {
        expect({ status, body }).toEqual({ status: 200, body: { active: false } });
      }
    }
  });

  it('requires client authentication, and applies the caller IP allowlist', async () => {
    const token = await tokenFor(server.url, analyst);
    const wrongSecret = await introspect(server.url, resourceServer.client_id, 'wrong', token);
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body?.error).toBe('invalid_client');
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic/);
    const anonymous = await fetch(`${server.url}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    });
    expect(anonymous.status).toBe(401);

    const fenced = await createClient(server.url, admin, {
      name: 'fenced RS',
      role: 'resource-server',
      ip_allowlist: ['203.0.113.9'],
    });
    for (const path of ['/token/introspection', '/token/revocation']) {
      const refused = await postOAuth(server.url, path, fenced.client_id, fenced.client_secret, { token });
      expect(refused.status).toBe(400);
      expect(refused.body?.error).toBe('unauthorized_client');
    }
    expect(await activeFor(token)).toBe(true);
  });

  it("revokes a client's own token: 200, then inactive and gone from the session list", async () => {
    const token = await tokenFor(server.url, analyst);
    const kept = await tokenFor(server.url, analyst);
    const response = await revoke(server.url, analyst.client_id, analyst.client_secret, token, {
      token_type_hint: 'refresh_token',
    });
    expect(response.status).toBe(200);
    expect(response.body).toBeUndefined();
    expect(response.headers.get('cache-control')).toBe('no-store');

    expect(await activeFor(token)).toBe(false);
    expect(await activeFor(kept)).toBe(true);
    const { body } = await api<{ items: { jti: string }[] }>(
      server.url,
      admin,
      'GET',
      `/clients/${analyst.client_id}/sessions?limit=200`,
    );
    expect(body.items.map((item) => item.jti)).not.toContain(claimsOf(token).jti);
    expect(body.items.map((item) => item.jti)).toContain(claimsOf(kept).jti);
    // Revoking it again, or revoking something that is not a token, is still a 200 (RFC 7009 §2.2).
    expect((await revoke(server.url, analyst.client_id, analyst.client_secret, token)).status).toBe(200);
    expect((await revoke(server.url, analyst.client_id, analyst.client_secret, 'not-a-token')).status).toBe(200);
  });

  it("refuses to revoke another client's token and leaves it active", async () => {
    const token = await tokenFor(server.url, analyst);
    for (const caller of [other, resourceServer]) {
      const refused = await revoke(server.url, caller.client_id, caller.client_secret, token);
      expect(refused.status).toBe(400);
      expect(refused.body?.error).toBe('unauthorized_client');
    }
    expect(await activeFor(token)).toBe(true);
  });

  it('answers 200 to another client revoking a token that is no longer valid (RFC 7009 §2.2)', async () => {
    const revokedToken = await tokenFor(server.url, analyst);
    expect((await revoke(server.url, analyst.client_id, analyst.client_secret, revokedToken)).status).toBe(200);
    const doomed = await createClient(server.url, admin, { name: 'soon inactive', role: 'read-only' });
    const deadToken = await tokenFor(server.url, doomed);
    expect((await api(server.url, admin, 'PATCH', `/clients/${doomed.client_id}`, { status: 'inactive' })).status).toBe(
      200,
    );

    for (const token of [revokedToken, deadToken]) {
      for (const caller of [other, resourceServer]) {
        const answer = await revoke(server.url, caller.client_id, caller.client_secret, token);
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: undefined });
      }
    }
  });

  it('answers invalid_request without a token and invalid_client without valid credentials', async () => {
    const missing = await postOAuth(server.url, '/token/revocation', analyst.client_id, analyst.client_secret, {});
    expect(missing.status).toBe(400);
    expect(missing.body?.error).toBe('invalid_request');
    const wrong = await revoke(server.url, analyst.client_id, 'wrong', await tokenFor(server.url, analyst));
    expect(wrong.status).toBe(401);
    expect(wrong.body?.error).toBe('invalid_client');
  });
});
