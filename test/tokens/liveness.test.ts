import { Redis } from 'ioredis';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, claimsOf, createClient, introspect, tokenFor } from '../support/oauth.js';
import { createOrganization, createOrganizationAdmin } from '../support/organizations.js';
import type { TestServer } from '../support/server.js';
import { REDIS_URL } from '../support/services.js';

let server: TestServer;
let admin: string;
let resourceServer: { client_id: string; client_secret: string };
const redis = new Redis(REDIS_URL);

async function isActive(token: string): Promise<boolean> {
  const { body } = await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token);
  return body?.active === true;
}

beforeAll(async () => {
  server = await startSharedServer();
  admin = await adminToken(server.url);
  resourceServer = await createClient(server.url, admin, { name: 'rs', role: 'resource-server' });
});

afterAll(async () => {
  await server?.stop();
  redis.disconnect();
});

describe('a token is only as good as its client is now', () => {
  it('dies when its client is demoted: a former admin token can no longer administer', async () => {
    const second = await createClient(server.url, admin, { name: 'second admin', role: 'admin' });
    const token = await tokenFor(server.url, second);
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(200);
    expect((await api(server.url, admin, 'PATCH', `/clients/${second.client_id}`, { role: 'read-only' })).status).toBe(
      200,
    );
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(401);
    expect((await api(server.url, token, 'POST', '/clients', { name: 'escalate', role: 'admin' })).status).toBe(401);
    expect(await isActive(token)).toBe(false);
    expect(claimsOf(await tokenFor(server.url, second)).role).toBe('read-only');
  });

  it('stays dead after a reactivation, even if the session store missed the revocation', async () => {
    const client = await createClient(server.url, admin, { name: 'flapping', role: 'analyst' });
    const token = await tokenFor(server.url, client);
    const { jti } = claimsOf(token);
    const sessionKey = `tg:{${client.client_id}}:s:${jti}`;
    const session = await redis.get(sessionKey);
    expect(session).not.toBeNull();
    await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, { status: 'inactive' });
    expect(await redis.get(sessionKey)).toBeNull();
    // What a revocation lost to a Redis outage would leave behind:
    await redis.set(sessionKey, session!, 'EX', 3600);
    await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, { status: 'active' });
    expect(await isActive(token)).toBe(false);
    expect(await isActive(await tokenFor(server.url, client))).toBe(true);
  });

  it("dies when its client's IP allowlist is narrowed, also on the admin API, and survives a widening", async () => {
    const second = await createClient(server.url, admin, {
      name: 'fenced admin',
      role: 'admin',
      ip_allowlist: ['127.0.0.1'],
    });
    const token = await tokenFor(server.url, second);
    const allowlist = async (ip_allowlist: string[]) =>
      expect((await api(server.url, admin, 'PATCH', `/clients/${second.client_id}`, { ip_allowlist })).status).toBe(
        200,
      );

    for (const wider of [['127.0.0.0/8'], ['127.0.0.0/9', '127.128.0.0/9', '10.0.0.0/8'], []]) {
      await allowlist(wider);
      expect((await api(server.url, token, 'GET', '/clients')).status).toBe(200);
    }
    expect(await isActive(token)).toBe(true);

    // This caller (127.0.0.1) is still admitted, but addresses admitted before are not: the token goes.
    await allowlist(['127.0.0.0/8']);
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(401);
    expect(await isActive(token)).toBe(false);
    const { body } = await api<{ items: unknown[] }>(server.url, admin, 'GET', `/clients/${second.client_id}/sessions`);
    expect(body.items).toEqual([]);
    // A new token works from an address the narrowed list admits.
    expect((await api(server.url, await tokenFor(server.url, second), 'GET', '/clients')).status).toBe(200);
  });

  it('loses a scope its custom role no longer grants', async () => {
    const roleName = `exporter-${Date.now()}`;
    expect(
      (await api(server.url, admin, 'POST', '/roles', { name: roleName, scopes: ['read', 'export'] })).status,
    ).toBe(201);
    const client = await createClient(server.url, admin, { name: 'exporter', role: roleName });
    const token = await tokenFor(server.url, client);
    expect(await isActive(token)).toBe(true);
    expect((await api(server.url, admin, 'PATCH', `/roles/${roleName}`, { scopes: ['read'] })).status).toBe(200);
    expect(await isActive(token)).toBe(false);
  });
});

describe('introspection by a resource server of an organization', () => {
  it('sees its own organization tokens only', async () => {
    const orgA = await createOrganization(server.url, admin, 'A');
    const orgB = await createOrganization(server.url, admin, 'B');
    const orgAdminA = await createOrganizationAdmin(server.url, admin, orgA.id);
    const tenantRs = await createClient(server.url, orgAdminA.token, { name: 'tenant rs', role: 'resource-server' });
    const inA = await tokenFor(
      server.url,
      await createClient(server.url, admin, { name: 'in A', role: 'read-only', organization_id: orgA.id }),
    );
    const inB = await tokenFor(
      server.url,
      await createClient(server.url, admin, { name: 'in B', role: 'read-only', organization_id: orgB.id }),
    );
    const platform = await adminToken(server.url);
    const seen = async (token: string) =>
      (await introspect(server.url, tenantRs.client_id, tenantRs.client_secret, token)).body?.active;
    expect(await seen(inA)).toBe(true);
    expect(await seen(inB)).toBe(false);
    expect(await seen(platform)).toBe(false);
    expect(await isActive(inB)).toBe(true);
  });
});
