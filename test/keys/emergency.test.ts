import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AuditEventResource } from '../../src/audit/event.js';
import { fetchJwks, keyRows, kidOf, signingKid } from '../support/keys.js';
import { SERVER_MODES } from '../support/modes.js';
import { adminToken, api, type CreatedClient, claimsOf, createClient, introspect, tokenFor } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

/** Through the change feed, the other instance follows at once; this bounds "at once" generously. */
const FOLLOW_WITHIN_MS = 5_000;
/** The sessions of a revoked key's tokens go in the background. */
const SWEEP_WITHIN_MS = 10_000;

interface KeyItem {
  kid: string;
  alg: string;
  status: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
}

interface KeyRevocation {
  revoked: KeyItem;
  active: KeyItem;
}

async function listKeys(server: TestServer): Promise<KeyItem[]> {
  const { status, body } = await api<{ items: KeyItem[] }>(server.url, await adminToken(server.url), 'GET', '/keys');
  expect(status).toBe(200);
  return body.items;
}

const withStatus = (items: KeyItem[], status: string) =>
  items.filter((item) => item.status === status).map((item) => item.kid);

async function isActive(server: TestServer, resourceServer: CreatedClient, token: string): Promise<boolean> {
  const { status, body } = await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token);
  expect(status).toBe(200);
  return body!.active === true;
}

async function sessionJtis(server: TestServer, client: CreatedClient): Promise<string[]> {
  const { body } = await api<{ items: { jti: string }[] }>(
    server.url,
    await adminToken(server.url),
    'GET',
    `/clients/${client.client_id}/sessions?limit=200`,
  );
  return body.items.map((item) => item.jti);
}

async function auditEvents(server: TestServer, type: string): Promise<AuditEventResource[]> {
  await server.app.audit.flush();
  const { body } = await api<{ items: AuditEventResource[] }>(
    server.url,
    await adminToken(server.url),
    'GET',
    `/audit-events?type=${type}`,
  );
  return body.items;
}

describe('emergency key paths, two instances on one Postgres and Redis', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let resourceServer: CreatedClient;
  let analyst: CreatedClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, REDIS_URL, ISSUER: 'http://tollgate.test' };
    [a, b] = [await startTestServer(env), await startTestServer(env)];
    const admin = await adminToken(a.url);
    [resourceServer, analyst] = await Promise.all([
      createClient(a.url, admin, { name: 'orders API', role: 'resource-server' }),
      createClient(a.url, admin, { name: 'analyst', role: 'analyst' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  async function bothSignWith(kid: string): Promise<void> {
    for (const server of [a, b])
      await waitFor(
        `${server.url} to sign with ${kid}`,
        FOLLOW_WITHIN_MS,
        async () => (await signingKid(server.url)) === kid,
      );
  }

  it('rotates at once to a freshly created key with {"immediate": true}, replacing the next key too', async () => {
    const before = await listKeys(a);
    const [formerActive, formerNext] = [withStatus(before, 'active')[0]!, withStatus(before, 'next')[0]!];
    const token = await tokenFor(a.url, analyst);
    const admin = await adminToken(a.url);
    // The next key was published moments ago: a normal rotation has to wait for it.
    expect((await api(a.url, admin, 'POST', '/keys/rotate', { immediate: false })).status).toBe(409);

    const rotated = await api<KeyItem>(a.url, admin, 'POST', '/keys/rotate', { immediate: true });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.kid;
    expect(rotated.body).toMatchObject({ status: 'active', alg: 'RS256', retired_at: null });
    expect([formerActive, formerNext]).not.toContain(fresh);
    expect(await signingKid(a.url)).toBe(fresh);
    await bothSignWith(fresh);

    const after = await listKeys(b);
    expect(withStatus(after, 'active')).toEqual([fresh]);
    expect(withStatus(after, 'retired')).toEqual([formerActive]);
    const [newNext] = withStatus(after, 'next');
    expect([formerActive, formerNext, fresh]).not.toContain(newNext);
    await waitFor('both JWKS to drop the replaced next key', FOLLOW_WITHIN_MS, async () =>
      (await Promise.all([fetchJwks(a.url), fetchJwks(b.url)])).every(
        (jwks) => jwks.kids.join() === [formerActive, fresh, newNext!].sort().join(),
      ),
    );
    // Retired, not revoked: its tokens stay good, through introspection and the JWKS alike.
    expect(await isActive(b, resourceServer, token)).toBe(true);
    await jwtVerify(token, createRemoteJWKSet(new URL(`${b.url}/jwks`)), { issuer: b.config.issuer });

    const [event] = await auditEvents(a, 'key.rotated');
    expect(event).toMatchObject({
      details: {
        kid: fresh,
        retired_kid: formerActive,
        next_kid: newNext,
        replaced_next_kid: formerNext,
        reason: 'immediate',
      },
    });
  });

  it('revokes a retired key: out of every JWKS at once, its tokens refused everywhere, their sessions removed', async () => {
    const doomed = await tokenFor(a.url, analyst);
    const doomedAdmin = await adminToken(a.url);
    const doomedKid = kidOf(doomed);
    const rotated = await api<KeyItem>(a.url, await adminToken(a.url), 'POST', '/keys/rotate', { immediate: true });
    await bothSignWith(rotated.body.kid);
    const survivor = await tokenFor(b.url, analyst);
    expect(await isActive(a, resourceServer, doomed)).toBe(true);
    expect(await sessionJtis(a, analyst)).toContain(claimsOf(doomed).jti);

    const revoked = await api<KeyRevocation>(b.url, await adminToken(b.url), 'POST', `/keys/${doomedKid}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toMatchObject({ kid: doomedKid, status: 'retired' });
    expect(revoked.body.active.kid).toBe(rotated.body.kid);

    expect((await fetchJwks(b.url)).kids).not.toContain(doomedKid);
    expect(await isActive(b, resourceServer, doomed)).toBe(false);
    await waitFor(
      'the other instance to drop the revoked key',
      FOLLOW_WITHIN_MS,
      async () => !(await fetchJwks(a.url)).kids.includes(doomedKid),
    );
    expect(await isActive(a, resourceServer, doomed)).toBe(false);
    for (const server of [a, b]) expect((await api(server.url, doomedAdmin, 'GET', '/keys')).status).toBe(401);
    expect(await isActive(a, resourceServer, survivor)).toBe(true);
    expect((await keyRows(a.app.db)).map((row) => row.kid)).not.toContain(doomedKid);

    const jtis = await waitFor("the revoked key's sessions to go", SWEEP_WITHIN_MS, async () => {
      const listed = await sessionJtis(a, analyst);
      return !listed.includes(claimsOf(doomed).jti) && listed;
    });
    expect(jtis).toContain(claimsOf(survivor).jti);
    const [revokedEvent] = await auditEvents(b, 'key.revoked');
    expect(revokedEvent).toMatchObject({ details: { kid: doomedKid, status: 'retired' } });
    const sweep = await waitFor('the sweep to be audited', SWEEP_WITHIN_MS, async () =>
      (await auditEvents(b, 'sessions.revoked')).find((event) => event.details.kid === doomedKid),
    );
    // The analyst's token, and the admin tokens of this test and the one before it that the key signed.
    expect(sweep.details.revoked).toBeGreaterThanOrEqual(2);
  });

  it('revokes the active key by putting a fresh key in its place first, so the server keeps signing', async () => {
    const before = await listKeys(a);
    const [activeKid, nextKid] = [withStatus(before, 'active')[0]!, withStatus(before, 'next')[0]!];
    const token = await tokenFor(a.url, analyst);
    expect(kidOf(token)).toBe(activeKid);

    const revoked = await api<KeyRevocation>(a.url, await adminToken(a.url), 'POST', `/keys/${activeKid}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toMatchObject({ kid: activeKid, status: 'active' });
    const fresh = revoked.body.active.kid;
    expect([activeKid, nextKid]).not.toContain(fresh);
    await bothSignWith(fresh);

    for (const server of [a, b]) expect(await isActive(server, resourceServer, token)).toBe(false);
    const after = await listKeys(b);
    expect(after.map((item) => item.kid)).not.toContain(activeKid);
    expect(withStatus(after, 'active')).toEqual([fresh]);
    expect(withStatus(after, 'next')).toHaveLength(1);
    expect(withStatus(after, 'next')).not.toContain(nextKid);
    expect(await isActive(b, resourceServer, await tokenFor(b.url, analyst))).toBe(true);
  });

  it('revokes the next key by publishing a fresh one, and changes nothing else', async () => {
    const before = await listKeys(a);
    const [nextKid] = withStatus(before, 'next');
    const token = await tokenFor(a.url, analyst);
    const revoked = await api<KeyRevocation>(a.url, await adminToken(a.url), 'POST', `/keys/${nextKid}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toMatchObject({ kid: nextKid, status: 'next' });
    const after = await listKeys(a);
    expect(withStatus(after, 'active')).toEqual(withStatus(before, 'active'));
    expect(withStatus(after, 'next')).toHaveLength(1);
    expect(withStatus(after, 'next')).not.toContain(nextKid);
    expect(await isActive(b, resourceServer, token)).toBe(true);
  });

  it('answers 404 for a kid it does not hold, 403 to non-admins, and 400 to a bad body, changing nothing', async () => {
    const before = await keyRows(a.app.db);
    const admin = await adminToken(a.url);
    expect((await api(a.url, admin, 'POST', '/keys/not-a-kid/revoke')).status).toBe(404);
    const rotateBody = await api<{ errors: { field: string }[] }>(a.url, admin, 'POST', '/keys/rotate', {
      immediate: 'yes',
    });
    expect(rotateBody.status).toBe(400);
    expect(rotateBody.body.errors.map((issue) => issue.field)).toEqual(['immediate']);
    const notAdmin = await tokenFor(a.url, analyst);
    expect((await api(a.url, notAdmin, 'POST', `/keys/${before[0]!.kid}/revoke`)).status).toBe(403);
    expect((await api(a.url, notAdmin, 'POST', '/keys/rotate', { immediate: true })).status).toBe(403);
    expect(await keyRows(a.app.db)).toEqual(before);
  });
});

describe.each(SERVER_MODES)('revoking the active key, $name', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await mode.start();
  });
  afterAll(() => server?.stop());

  it('cuts its tokens and removes their sessions, and new tokens work at once', async () => {
    const admin = await adminToken(server.url);
    const [resourceServer, client] = await Promise.all([
      createClient(server.url, admin, { name: 'rs', role: 'resource-server' }),
      createClient(server.url, admin, { name: 'worker', role: 'read-only' }),
    ]);
    const tokens = await Promise.all([1, 2, 3].map(() => tokenFor(server.url, client)));
    const revoked = await api<KeyRevocation>(server.url, admin, 'POST', `/keys/${kidOf(tokens[0]!)}/revoke`);
    expect(revoked.status).toBe(200);
    for (const token of tokens) expect(await isActive(server, resourceServer, token)).toBe(false);
    await waitFor('the sessions to go', SWEEP_WITHIN_MS, async () => (await sessionJtis(server, client)).length === 0);
    const fresh = await tokenFor(server.url, client);
    expect(kidOf(fresh)).toBe(revoked.body.active.kid);
    expect(await isActive(server, resourceServer, fresh)).toBe(true);
    expect(await sessionJtis(server, client)).toEqual([claimsOf(fresh).jti]);
  });
});
