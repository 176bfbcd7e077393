import { Redis } from 'ioredis';
import { startSharedServer } from '../support/modes.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  requestToken,
  tokenFor,
} from '../support/oauth.js';
import {
  createOrganization,
  createOrganizationAdmin,
  type Organization,
  type OrganizationAdmin,
} from '../support/organizations.js';
import { ADMIN_CLIENT_ID, type TestServer } from '../support/server.js';
import { REDIS_URL } from '../support/services.js';

let server: TestServer;
let admin: string;
const redis = new Redis(REDIS_URL);

interface Tenant {
  organization: Organization;
  orgAdmin: OrganizationAdmin;
  /** A client its org-admin created. */
  client: CreatedClient;
}

let tenantA: Tenant;
let tenantB: Tenant;
let platformClient: CreatedClient;

async function createTenant(name: string): Promise<Tenant> {
  const organization = await createOrganization(server.url, admin, name);
  const orgAdmin = await createOrganizationAdmin(server.url, admin, organization.id);
  const client = await createClient(server.url, orgAdmin.token, { name: `${name} service`, role: 'read-only' });
  return { organization, orgAdmin, client };
}

beforeAll(async () => {
  server = await startSharedServer();
  admin = await adminToken(server.url);
  [tenantA, tenantB] = await Promise.all([createTenant('Acme'), createTenant('Globex')]);
  platformClient = await createClient(server.url, admin, { name: 'platform service', role: 'analyst' });
});

afterAll(async () => {
  await server?.stop();
  redis.disconnect();
});

/** Whether a token is live, seen through the admin API: 401 when inactive, 403 when live but not an admin's. */
async function tokenIsLive(token: string): Promise<boolean> {
  const { status } = await api(server.url, token, 'GET', '/clients');
  if (status !== 401 && status !== 403 && status !== 200) throw new Error(`unexpected ${status}`);
  return status !== 401;
}

describe('organization membership', () => {
  it("puts an org-admin's clients in its organization and org_id in their tokens", async () => {
    expect(tenantA.client.organization_id).toBe(tenantA.organization.id);
    expect(claimsOf(tenantA.orgAdmin.token)).toMatchObject({ org_id: tenantA.organization.id, role: 'org-admin' });
    const token = await tokenFor(server.url, tenantA.client);
    expect(claimsOf(token)).toMatchObject({ org_id: tenantA.organization.id, role: 'read-only', scope: 'read' });
    const platformToken = await tokenFor(server.url, platformClient);
    expect(claimsOf(platformToken).org_id).toBeUndefined();
    expect(platformClient.organization_id).toBeNull();
  });

  it('shows organization_id on every client resource', async () => {
    const { body } = await api<{ items: { client_id: string; organization_id: string | null }[] }>(
      server.url,
      admin,
      'GET',
      '/clients?limit=200',
    );
    // The server has a database of its own: these are all its clients, each with the value it must show.
    const expected = {
      [ADMIN_CLIENT_ID]: null,
      [platformClient.client_id]: null,
      ...Object.fromEntries(
        [tenantA, tenantB].flatMap(({ organization, orgAdmin, client }) => [
          [orgAdmin.client.client_id, organization.id],
          [client.client_id, organization.id],
        ]),
      ),
    };
    expect(Object.fromEntries(body.items.map((item) => [item.client_id, item.organization_id]))).toEqual(expected);
    const one = await api(server.url, admin, 'GET', `/clients/${tenantB.client.client_id}`);
    expect(one.body.organization_id).toBe(tenantB.organization.id);
  });
});

describe('cross-organization isolation on every client route', () => {
  const tenants = () => [
    { self: tenantA, other: tenantB },
    { self: tenantB, other: tenantA },
  ];

  it('lists only the own organization', async () => {
    for (const { self, other } of tenants()) {
      const { status, body } = await api<{ items: { client_id: string; organization_id: string }[] }>(
        server.url,
        self.orgAdmin.token,
        'GET',
        '/clients?limit=200',
      );
      expect(status).toBe(200);
      const ids = body.items.map((item) => item.client_id);
      expect(ids).toEqual(expect.arrayContaining([self.client.client_id, self.orgAdmin.client.client_id]));
      expect(ids).not.toContain(other.client.client_id);
      expect(ids).not.toContain(platformClient.client_id);
      expect(body.items.every((item) => item.organization_id === self.organization.id)).toBe(true);

      const filtered = await api<{ items: unknown[] }>(
        server.url,
        self.orgAdmin.token,
        'GET',
        `/clients?organization_id=${other.organization.id}`,
      );
      expect(filtered.status).toBe(200);
      expect(filtered.body.items).toEqual([]);
    }
    const all = await api<{ items: { client_id: string }[] }>(server.url, admin, 'GET', '/clients?limit=200');
    expect(all.body.items.map((item) => item.client_id)).toEqual(
      expect.arrayContaining([tenantA.client.client_id, tenantB.client.client_id, platformClient.client_id]),
    );
    const onlyA = await api<{ items: { organization_id: string }[] }>(
      server.url,
      admin,
      'GET',
      `/clients?organization_id=${tenantA.organization.id}`,
    );
    expect(onlyA.body.items.length).toBeGreaterThan(0);
    expect(onlyA.body.items.every((item) => item.organization_id === tenantA.organization.id)).toBe(true);
  });

  /** Every route that names a client; an org-admin must get the same 404 as for a client that does not exist. */
  const clientRoutes: { method: string; path: (id: string, jti: string) => string; body?: unknown }[] = [
    { method: 'GET', path: (id) => `/clients/${id}` },
    { method: 'PATCH', path: (id) => `/clients/${id}`, body: { note: 'taken over' } },
    { method: 'DELETE', path: (id) => `/clients/${id}` },
    { method: 'POST', path: (id) => `/clients/${id}/secret`, body: {} },
    { method: 'GET', path: (id) => `/clients/${id}/sessions` },
    { method: 'DELETE', path: (id, jti) => `/clients/${id}/sessions/${jti}` },
    { method: 'DELETE', path: (id) => `/clients/${id}/sessions` },
  ];

  it("answers 404, exactly as for a missing client, for another organization's clients and platform clients", async () => {
    const targets = [tenantA.client, tenantA.orgAdmin.client, tenantB.client, tenantB.orgAdmin.client, platformClient];
    const tokens = new Map<string, string>();
    for (const target of targets) tokens.set(target.client_id, await tokenFor(server.url, target));
    for (const { self, other } of tenants()) {
      for (const route of clientRoutes) {
        const name = `${route.method} ${route.path('{client_id}', '{jti}')}`;
        const missing = await api(
          server.url,
          self.orgAdmin.token,
          route.method,
          route.path('tgc_no_such_client', 'no_such_jti'),
          route.body,
        );
        expect({ name, status: missing.status }).toEqual({ name, status: 404 });
        for (const target of [other.client, other.orgAdmin.client, platformClient]) {
          const jti = claimsOf(tokens.get(target.client_id)!).jti;
          const { status, body } = await api(
            server.url,
            self.orgAdmin.token,
            route.method,
            route.path(target.client_id, jti),
            route.body,
          );
          expect({ name, status }).toEqual({ name, status: 404 });
          expect(body.title).toBe(missing.body.title);
          expect(body.detail).toBe(`client ${target.client_id} does not exist`);
        }
      }
    }
    // Nothing was changed, rotated, revoked or deleted behind the 404s.
    for (const target of targets) {
      const { status, body } = await api(server.url, admin, 'GET', `/clients/${target.client_id}`);
      expect(status).toBe(200);
      expect(body.note).not.toBe('taken over');
      expect((await requestToken(server.url, target.client_id, target.client_secret)).status).toBe(200);
      const sessions = await api<{ items: { jti: string }[] }>(
        server.url,
        admin,
        'GET',
        `/clients/${target.client_id}/sessions`,
      );
      expect(sessions.body.items.map((session) => session.jti)).toContain(claimsOf(tokens.get(target.client_id)!).jti);
    }
  });

  it('lets an org-admin get, change, rotate, revoke and delete its own clients', async () => {
    const token = tenantA.orgAdmin.token;
    const own = await createClient(server.url, token, { name: 'short-lived', role: 'analyst' });
    expect((await api(server.url, token, 'GET', `/clients/${own.client_id}`)).status).toBe(200);
    const first = claimsOf(await tokenFor(server.url, own)).jti;
    const second = claimsOf(await tokenFor(server.url, own)).jti;
    const sessions = await api<{ items: { jti: string }[] }>(
      server.url,
      token,
      'GET',
      `/clients/${own.client_id}/sessions`,
    );
    expect(sessions.body.items.map((session) => session.jti).sort()).toEqual([first, second].sort());
    expect((await api(server.url, token, 'DELETE', `/clients/${own.client_id}/sessions/${first}`)).status).toBe(204);
    expect((await api(server.url, token, 'DELETE', `/clients/${own.client_id}/sessions`)).status).toBe(204);
    const rotated = await api(server.url, token, 'POST', `/clients/${own.client_id}/secret`, {});
    expect(rotated.status).toBe(200);
    expect((await requestToken(server.url, own.client_id, rotated.body.client_secret as string)).status).toBe(200);
    const patched = await api(server.url, token, 'PATCH', `/clients/${own.client_id}`, {
      note: 'mine',
      organization_id: tenantA.organization.id,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ note: 'mine', organization_id: tenantA.organization.id });
    expect((await api(server.url, token, 'DELETE', `/clients/${own.client_id}`)).status).toBe(204);
    expect((await api(server.url, admin, 'GET', `/clients/${own.client_id}`)).status).toBe(404);
  });
});

describe('what an org-admin may not do (403)', () => {
  it('cannot create admin or org-admin clients, nor clients elsewhere', async () => {
    const token = tenantA.orgAdmin.token;
    const attempts = [
      { name: 'x', role: 'admin' },
      { name: 'x', role: 'org-admin' },
      { name: 'x', role: 'read-only', organization_id: tenantB.organization.id },
      { name: 'x', role: 'read-only', organization_id: null },
    ];
    for (const fields of attempts) {
      const { status, body } = await api(server.url, token, 'POST', '/clients', fields);
      expect({ fields, status }).toEqual({ fields, status: 403 });
      expect({ type: body.type, code: body.code }).toEqual({
        type: `${server.url}/api/v1/problems/forbidden`,
        code: 'forbidden',
      });
    }
    const { body } = await api<{ items: { name: string }[] }>(server.url, admin, 'GET', '/clients?limit=200');
    expect(body.items.filter((item) => item.name === 'x')).toEqual([]);
  });

  it('cannot move its clients to another organization or make them administrators', async () => {
    const id = tenantA.client.client_id;
    for (const patch of [
      { organization_id: tenantB.organization.id },
      { organization_id: null },
      { role: 'org-admin' },
      { role: 'admin' },
    ]) {
      expect((await api(server.url, tenantA.orgAdmin.token, 'PATCH', `/clients/${id}`, patch)).status).toBe(403);
    }
    const { body } = await api(server.url, admin, 'GET', `/clients/${id}`);
    expect(body).toMatchObject({ organization_id: tenantA.organization.id, role: 'read-only' });
  });

  it('sees its own organization only, and may not list, create or delete organizations', async () => {
    const token = tenantA.orgAdmin.token;
    expect((await api(server.url, token, 'GET', `/organizations/${tenantA.organization.id}`)).body).toEqual(
      tenantA.organization,
    );
    expect((await api(server.url, token, 'GET', `/organizations/${tenantB.organization.id}`)).status).toBe(404);
    expect(
      (await api(server.url, token, 'PATCH', `/organizations/${tenantB.organization.id}`, { api_enabled: false }))
        .status,
    ).toBe(404);
    expect(
      (await api(server.url, token, 'PATCH', `/organizations/${tenantA.organization.id}`, { name: 'renamed' })).status,
    ).toBe(403);
    expect((await api(server.url, token, 'GET', '/organizations')).status).toBe(403);
    expect((await api(server.url, token, 'POST', '/organizations', { name: 'mine' })).status).toBe(403);
    expect((await api(server.url, token, 'DELETE', `/organizations/${tenantA.organization.id}`)).status).toBe(403);
    expect((await api(server.url, admin, 'GET', `/organizations/${tenantB.organization.id}`)).body.api_enabled).toBe(
      true,
    );
  });

  it('refuses admin API access to tokens of non-admin roles', async () => {
    const token = await tokenFor(server.url, tenantA.client);
    const { status, body } = await api(server.url, token, 'GET', '/clients');
    expect(status).toBe(403);
    expect(body.detail).toMatch(/administrators/);
  });
});

describe('placement rules for platform admins', () => {
  it('keeps admin clients out of organizations and org-admin clients in one', async () => {
    const adminInOrg = await api(server.url, admin, 'POST', '/clients', {
      name: 'x',
      role: 'admin',
      organization_id: tenantA.organization.id,
    });
    const orgAdminWithout = await api(server.url, admin, 'POST', '/clients', { name: 'x', role: 'org-admin' });
    const unknownOrg = await api(server.url, admin, 'POST', '/clients', {
      name: 'x',
      role: 'read-only',
      organization_id: 'org_does_not_exist',
    });
    for (const result of [adminInOrg, orgAdminWithout, unknownOrg]) {
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([expect.objectContaining({ field: 'organization_id' })]);
    }
  });

  it('moves a client between organizations and revokes its tokens, which named the old one', async () => {
    const mover = await createClient(server.url, admin, {
      name: 'mover',
      role: 'read-only',
      organization_id: tenantA.organization.id,
    });
    const before = await tokenFor(server.url, mover);
    const moved = await api(server.url, admin, 'PATCH', `/clients/${mover.client_id}`, {
      organization_id: tenantB.organization.id,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.organization_id).toBe(tenantB.organization.id);
    expect(await tokenIsLive(before)).toBe(false);
    expect(await redis.zcard(`tg:{${mover.client_id}}:idx`)).toBe(0);
    const after = await tokenFor(server.url, mover);
    expect(claimsOf(after).org_id).toBe(tenantB.organization.id);
    expect((await api(server.url, tenantB.orgAdmin.token, 'GET', `/clients/${mover.client_id}`)).status).toBe(200);
    expect((await api(server.url, tenantA.orgAdmin.token, 'GET', `/clients/${mover.client_id}`)).status).toBe(404);
  });
});

describe('organizations API', () => {
  it('creates, lists, renames and validates organizations', async () => {
    const created = await createOrganization(server.url, admin, 'Initech');
    expect(Object.keys(created).sort()).toEqual(['api_enabled', 'created_at', 'id', 'name']);
    expect(created).toMatchObject({ id: expect.stringMatching(/^org_[0-9a-f]{24}$/), api_enabled: true });
    expect((await api(server.url, admin, 'POST', '/organizations', { name: created.name })).status).toBe(409);
    const bad = await api(server.url, admin, 'POST', '/organizations', { name: '', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));

    const renamed = await api(server.url, admin, 'PATCH', `/organizations/${created.id}`, {
      name: `${created.name} Ltd`,
    });
    expect(renamed.body).toMatchObject({ id: created.id, name: `${created.name} Ltd` });
    expect((await api(server.url, admin, 'PATCH', `/organizations/${created.id}`, {})).status).toBe(400);

    const first = await api<{ items: Organization[]; next_cursor: string | null }>(
      server.url,
      admin,
      'GET',
      '/organizations?limit=2',
    );
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const rest = await api<{ items: Organization[] }>(
      server.url,
      admin,
      'GET',
      `/organizations?limit=200&cursor=${first.body.next_cursor}`,
    );
    const ids = [...first.body.items, ...rest.body.items].map((organization) => organization.id);
    expect(ids).toEqual(expect.arrayContaining([tenantA.organization.id, tenantB.organization.id, created.id]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('deletes an organization with its clients in one go and revokes their tokens', async () => {
    const doomed = await createTenant('Doomed');
    const token = await tokenFor(server.url, doomed.client);
    expect(await redis.zcard(`tg:{${doomed.client.client_id}}:idx`)).toBe(1);

    expect((await api(server.url, admin, 'DELETE', `/organizations/${doomed.organization.id}`)).status).toBe(204);

    expect((await api(server.url, admin, 'GET', `/organizations/${doomed.organization.id}`)).status).toBe(404);
    for (const client of [doomed.client, doomed.orgAdmin.client]) {
      expect((await api(server.url, admin, 'GET', `/clients/${client.client_id}`)).status).toBe(404);
      expect((await requestToken(server.url, client.client_id, client.client_secret)).body.error).toBe(
        'invalid_client',
      );
    }
    expect(await tokenIsLive(token)).toBe(false);
    expect(await tokenIsLive(doomed.orgAdmin.token)).toBe(false);
    expect(await redis.zcard(`tg:{${doomed.client.client_id}}:idx`)).toBe(0);
    expect((await api(server.url, admin, 'DELETE', `/organizations/${doomed.organization.id}`)).status).toBe(404);
    // The other organizations are untouched.
    expect((await api(server.url, admin, 'GET', `/clients/${tenantA.client.client_id}`)).status).toBe(200);
  });
});
