import { SERVER_MODES } from '../support/modes.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  introspect,
  requestToken,
  tokenFor,
} from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

interface SessionItem {
  jti: string;
  issued_at: string;
  expires_at: string;
  scope: string;
  ip: string;
}

interface SessionPage {
  items: SessionItem[];
  next_cursor: string | null;
}

/** Small, so the cap is reached with a handful of requests. */
const SESSION_CAP = 4;

describe.each(SERVER_MODES)('sessions admin API, $name', (mode) => {
  let server: TestServer;
  let admin: string;
  let resourceServer: CreatedClient;

  beforeAll(async () => {
    server = await mode.start({ MAX_SESSIONS_PER_CLIENT: String(SESSION_CAP) });
    admin = await adminToken(server.url);
    resourceServer = await createClient(server.url, admin, { name: 'resource server', role: 'resource-server' });
  });
  afterAll(() => server?.stop());

  const sessionsOf = (clientId: string, query = '') =>
    api<SessionPage>(server.url, admin, 'GET', `/clients/${clientId}/sessions${query}`);
  const isActive = async (token: string) =>
    (await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token)).body?.active;

  it('lists live tokens newest first with cursor pagination', async () => {
    const client = await createClient(server.url, admin, { name: 'lister', role: 'analyst' });
    const tokens = [
      await tokenFor(server.url, client),
      await tokenFor(server.url, client),
      await tokenFor(server.url, client),
    ];

    const first = await sessionsOf(client.client_id, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await sessionsOf(client.client_id, `?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();

    const items = [...first.body.items, ...second.body.items];
    expect(items.map((item) => item.jti).sort()).toEqual(tokens.map((token) => claimsOf(token).jti).sort());
    const issuedAt = items.map((item) => Date.parse(item.issued_at));
    expect(issuedAt).toEqual([...issuedAt].sort((a, b) => b - a));
    const claims = claimsOf(tokens[0]!);
    expect(items.find((item) => item.jti === claims.jti)).toEqual({
      jti: claims.jti,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      expires_at: new Date(claims.exp * 1000).toISOString(),
      scope: 'read write',
      ip: '127.0.0.1',
    });
  });

  it('answers 404 problem+json for an unknown client, and 400 for a bad limit or cursor', async () => {
    for (const request of [
      sessionsOf('tgc_nobody'),
      api(server.url, admin, 'DELETE', '/clients/tgc_nobody/sessions'),
      api(server.url, admin, 'DELETE', '/clients/tgc_nobody/sessions/abc'),
    ]) {
      const { status, headers } = await request;
      expect(status).toBe(404);
      expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const tooMany = await sessionsOf(resourceServer.client_id, '?limit=201');
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain('limit');
    const badCursor = await sessionsOf(resourceServer.client_id, '?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(JSON.stringify(badCursor.body)).toContain('cursor');
  });

  it('revokes one token: gone from the list, inactive at introspection, and a second delete is a 404', async () => {
    const client = await createClient(server.url, admin, { name: 'revoke one', role: 'read-only' });
    const [kept, revoked] = [await tokenFor(server.url, client), await tokenFor(server.url, client)];
    const jti = claimsOf(revoked).jti;

    expect((await api(server.url, admin, 'DELETE', `/clients/${client.client_id}/sessions/${jti}`)).status).toBe(204);
    expect((await sessionsOf(client.client_id)).body.items.map((item) => item.jti)).toEqual([claimsOf(kept).jti]);
    expect(await isActive(revoked)).toBe(false);
    expect(await isActive(kept)).toBe(true);
    expect((await api(server.url, admin, 'DELETE', `/clients/${client.client_id}/sessions/${jti}`)).status).toBe(404);
  });

  it('revokes all tokens of a client at once', async () => {
    const client = await createClient(server.url, admin, { name: 'revoke all', role: 'read-only' });
    const tokens = [await tokenFor(server.url, client), await tokenFor(server.url, client)];
    expect((await api(server.url, admin, 'DELETE', `/clients/${client.client_id}/sessions`)).status).toBe(204);
    expect((await sessionsOf(client.client_id)).body).toEqual({ items: [], next_cursor: null });
    for (const token of tokens) expect(await isActive(token)).toBe(false);
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);
  });

  it('revokes every token when a client is set inactive, and when it is deleted', async () => {
    const deactivated = await createClient(server.url, admin, { name: 'to deactivate', role: 'read-only' });
    const deleted = await createClient(server.url, admin, { name: 'to delete', role: 'read-only' });
    const tokens = [await tokenFor(server.url, deactivated), await tokenFor(server.url, deleted)];

    expect(
      (await api(server.url, admin, 'PATCH', `/clients/${deactivated.client_id}`, { status: 'inactive' })).status,
    ).toBe(200);
    expect((await api(server.url, admin, 'DELETE', `/clients/${deleted.client_id}`)).status).toBe(204);
    expect((await sessionsOf(deactivated.client_id)).body.items).toEqual([]);
    expect(await server.app.sessions.count(deleted.client_id)).toBe(0);
    for (const token of tokens) expect(await isActive(token)).toBe(false);
    // Reactivating does not bring the revoked tokens back.
    expect(
      (await api(server.url, admin, 'PATCH', `/clients/${deactivated.client_id}`, { status: 'active' })).status,
    ).toBe(200);
    expect(await isActive(tokens[0]!)).toBe(false);
  });

  it('refuses tokens past MAX_SESSIONS_PER_CLIENT with a clear OAuth error, without evicting any', async () => {
    const client = await createClient(server.url, admin, { name: 'capped', role: 'read-only' });
    const tokens: string[] = [];
    for (let i = 0; i < SESSION_CAP; i += 1) tokens.push(await tokenFor(server.url, client));

    const refused = await requestToken(server.url, client.client_id, client.client_secret);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
    expect(refused.body.error_description).toContain(`maximum of ${SESSION_CAP} live tokens`);
    for (const token of tokens) expect(await isActive(token)).toBe(true);

    expect(
      (await api(server.url, admin, 'DELETE', `/clients/${client.client_id}/sessions/${claimsOf(tokens[0]!).jti}`))
        .status,
    ).toBe(204);
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);
  });

  it('requires the admin scope', async () => {
    const reader = await createClient(server.url, admin, { name: 'not an admin', role: 'read-only' });
    const token = await tokenFor(server.url, reader);
    expect((await api(server.url, token, 'GET', `/clients/${reader.client_id}/sessions`)).status).toBe(403);
    expect((await api(server.url, token, 'DELETE', `/clients/${reader.client_id}/sessions`)).status).toBe(403);
  });
});
