import { adminToken, api, claimsOf, createClient, requestToken, tokenFor } from '../support/oauth.js';
import { createOrganization, createOrganizationAdmin } from '../support/organizations.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Roles run against the embedded default (PGlite, in-process sessions): its single connection must carry the row locks too. */
let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server?.stop();
});

interface RoleBody {
  name: string;
  scopes: string[];
  description: string;
  built_in: boolean;
}

describe('roles', () => {
  it('lists the built-in roles with their scopes', async () => {
    const { status, body } = await api<{ items: RoleBody[] }>(server.url, admin, 'GET', '/roles');
    expect(status).toBe(200);
    expect(body.items).toEqual(
      expect.arrayContaining([
        { name: 'admin', scopes: ['admin', 'read', 'write'], description: expect.any(String), built_in: true },
        { name: 'org-admin', scopes: ['org-admin', 'read', 'write'], description: expect.any(String), built_in: true },
        expect.objectContaining({ name: 'resource-server', scopes: ['introspect'], built_in: true }),
      ]),
    );
  });

  it('creates a custom role whose scopes and name go into tokens', async () => {
    const created = await api<RoleBody>(server.url, admin, 'POST', '/roles', {
      name: 'billing-reader',
      scopes: ['billing:read', 'invoices.read', 'billing:read'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'billing-reader',
      scopes: ['billing:read', 'invoices.read'],
      description: '',
      built_in: false,
    });
    const listed = await api<{ items: RoleBody[] }>(server.url, admin, 'GET', '/roles');
    expect(listed.body.items).toContainEqual(created.body);

    const client = await createClient(server.url, admin, { name: 'billing', role: 'billing-reader' });
    const token = await tokenFor(server.url, client);
    expect(claimsOf(token)).toMatchObject({ role: 'billing-reader', scope: 'billing:read invoices.read' });
    const subset = await requestToken(server.url, client.client_id, client.client_secret, { scope: 'invoices.read' });
    expect(subset.body.scope).toBe('invoices.read');
  });

  it('validates names and scopes, naming the bad field', async () => {
    const cases: { body: unknown; field: string }[] = [
      { body: { name: 'Bad Name', scopes: ['read'] }, field: 'name' },
      { body: { name: 'ok-name', scopes: ['Read'] }, field: 'scopes.0' },
      { body: { name: 'ok-name', scopes: ['read', 'with space'] }, field: 'scopes.1' },
      { body: { name: 'ok-name', scopes: [] }, field: 'scopes' },
      { body: { name: 'ok-name', scopes: ['admin'] }, field: 'scopes.0' },
      { body: { name: 'ok-name', scopes: ['org-admin'] }, field: 'scopes.0' },
      { body: { name: 'ok-name', scopes: ['read'], description: 'x'.repeat(501) }, field: 'description' },
    ];
    for (const { body, field } of cases) {
      const result = await api(server.url, admin, 'POST', '/roles', body);
      expect({ body, status: result.status }).toEqual({ body, status: 400 });
      expect(result.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect(
      (await api<{ items: RoleBody[] }>(server.url, admin, 'GET', '/roles')).body.items.map((role) => role.name),
    ).not.toContain('ok-name');
  });

  it('refuses duplicates and built-in names with 409', async () => {
    await api(server.url, admin, 'POST', '/roles', { name: 'auditor', scopes: ['audit:read'] });
    expect((await api(server.url, admin, 'POST', '/roles', { name: 'auditor', scopes: ['x'] })).status).toBe(409);
    expect((await api(server.url, admin, 'POST', '/roles', { name: 'analyst', scopes: ['x'] })).status).toBe(409);
  });

  it('never changes or deletes a built-in role', async () => {
    for (const name of ['admin', 'read-only']) {
      expect((await api(server.url, admin, 'PATCH', `/roles/${name}`, { scopes: ['everything'] })).status).toBe(403);
      expect((await api(server.url, admin, 'DELETE', `/roles/${name}`)).status).toBe(403);
    }
    const { body } = await api<{ items: RoleBody[] }>(server.url, admin, 'GET', '/roles');
    expect(body.items.find((role) => role.name === 'read-only')!.scopes).toEqual(['read']);
  });

  it('changes a custom role: the next token carries the new scopes at once', async () => {
    await api(server.url, admin, 'POST', '/roles', { name: 'reporter', scopes: ['reports:read'] });
    const client = await createClient(server.url, admin, { name: 'reporting', role: 'reporter' });
    const patched = await api<RoleBody>(server.url, admin, 'PATCH', '/roles/reporter', {
      scopes: ['reports:read', 'reports:write'],
      description: 'Reports',
    });
    expect(patched.body).toEqual({
      name: 'reporter',
      scopes: ['reports:read', 'reports:write'],
      description: 'Reports',
      built_in: false,
    });
    const token = await tokenFor(server.url, client);
    expect(claimsOf(token).scope).toBe('reports:read reports:write');
    expect((await api(server.url, admin, 'PATCH', '/roles/reporter', { name: 'renamed' })).status).toBe(400);
    expect((await api(server.url, admin, 'PATCH', '/roles/no-such-role', { description: 'x' })).status).toBe(404);
  });

  it('refuses to delete a role in use (409), then deletes it once unused', async () => {
    await api(server.url, admin, 'POST', '/roles', { name: 'temporary', scopes: ['temp'] });
    const holder = await createClient(server.url, admin, { name: 'holder', role: 'temporary' });
    const refused = await api(server.url, admin, 'DELETE', '/roles/temporary');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/assigned to clients/);

    await api(server.url, admin, 'PATCH', `/clients/${holder.client_id}`, { role: 'read-only' });
    expect((await api(server.url, admin, 'DELETE', '/roles/temporary')).status).toBe(204);
    expect((await api(server.url, admin, 'DELETE', '/roles/temporary')).status).toBe(404);
    const assign = await api(server.url, admin, 'POST', '/clients', { name: 'late', role: 'temporary' });
    expect(assign.status).toBe(400);
    expect(assign.body.errors).toEqual([expect.objectContaining({ field: 'role' })]);
  });

  it('lets org-admins read roles and give custom ones to their clients, but not shape roles', async () => {
    const organization = await createOrganization(server.url, admin, 'Roles Org');
    const orgAdmin = await createOrganizationAdmin(server.url, admin, organization.id);
    expect((await api(server.url, orgAdmin.token, 'GET', '/roles')).status).toBe(200);
    expect((await api(server.url, orgAdmin.token, 'POST', '/roles', { name: 'sneaky', scopes: ['x'] })).status).toBe(
      403,
    );
    expect((await api(server.url, orgAdmin.token, 'PATCH', '/roles/billing-reader', { scopes: ['x'] })).status).toBe(
      403,
    );
    expect((await api(server.url, orgAdmin.token, 'DELETE', '/roles/billing-reader')).status).toBe(403);
    const client = await createClient(server.url, orgAdmin.token, { name: 'org billing', role: 'billing-reader' });
    expect(client.organization_id).toBe(organization.id);
  });
});
