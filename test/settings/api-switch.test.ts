import {
  adminToken,
  api,
  type CreatedClient,
  createClient,
  introspect,
  requestToken,
  revoke,
  tokenFor,
} from '../support/oauth.js';
import {
  createOrganization,
  createOrganizationAdmin,
  type Organization,
  type OrganizationAdmin,
} from '../support/organizations.js';
import { pollUntil } from '../support/poll.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
/** Two instances on one Postgres and Redis: a switch flipped on one must hold on the other. */
let first: TestServer;
let second: TestServer;
let admin: string;
let organization: Organization;
let otherOrganization: Organization;
let orgAdmin: OrganizationAdmin;
let member: CreatedClient;
let outsider: CreatedClient;
let platformClient: CreatedClient;
let memberResourceServer: CreatedClient;
let platformResourceServer: CreatedClient;

beforeAll(async () => {
  database = await createTestDatabase();
  // One issuer for both, as behind a load balancer: a token from either is good on the other.
  const env = { DATABASE_URL: database.url, REDIS_URL, ISSUER: 'http://tollgate.test' };
  first = await startTestServer(env);
  second = await startTestServer(env);
  admin = await adminToken(first.url);
  [organization, otherOrganization] = await Promise.all([
    createOrganization(first.url, admin, 'Switched'),
    createOrganization(first.url, admin, 'Untouched'),
  ]);
  orgAdmin = await createOrganizationAdmin(first.url, admin, organization.id);
  member = await createClient(first.url, admin, {
    name: 'member',
    role: 'read-only',
    organization_id: organization.id,
  });
  outsider = await createClient(first.url, admin, {
    name: 'outsider',
    role: 'read-only',
    organization_id: otherOrganization.id,
  });
  platformClient = await createClient(first.url, admin, { name: 'platform', role: 'analyst' });
  memberResourceServer = await createClient(first.url, admin, {
    name: 'member RS',
    role: 'resource-server',
    organization_id: organization.id,
  });
  platformResourceServer = await createClient(first.url, admin, { name: 'platform RS', role: 'resource-server' });
});

afterAll(async () => {
  await api(first.url, admin, 'PATCH', '/settings', { api_enabled: true });
  await Promise.all([first?.stop(), second?.stop()]);
  await database?.drop();
});

/** Whether the server treats a token as live: the admin API answers 401 for an inactive one, 403/200 otherwise. */
async function tokenIsLive(server: TestServer, token: string): Promise<boolean> {
  const { status } = await api(server.url, token, 'GET', '/clients');
  return status !== 401;
}

/** Polls (bounded) until the other instance has heard of a change through the change feed. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function refusedForApiSwitch(server: TestServer, client: CreatedClient): Promise<boolean> {
  const { status, body } = await requestToken(server.url, client.client_id, client.client_secret);
  return (
    status === 400 && body.error === 'unauthorized_client' && /API is disabled/.test(String(body.error_description))
  );
}

/** What introspection and revocation answer `caller` about `token`, in the shape the API switch assertions compare. */
async function introspectionAndRevocation(
  server: TestServer,
  caller: CreatedClient,
  token: string,
): Promise<{ status: number; error: unknown; description: unknown }[]> {
  const answers = [
    await introspect(server.url, caller.client_id, caller.client_secret, token),
    await revoke(server.url, caller.client_id, caller.client_secret, token),
  ];
  return answers.map(({ status, body }) => ({ status, error: body?.error, description: body?.error_description }));
}

const REFUSED_FOR_SWITCH = (lock: RegExp) => ({
  status: 400,
  error: 'unauthorized_client',
  description: expect.stringMatching(lock),
});

async function issued(server: TestServer, client: CreatedClient): Promise<boolean> {
  return (await requestToken(server.url, client.client_id, client.client_secret)).status === 200;
}

describe('platform API switch', () => {
  it('reads and validates the settings, platform admins only', async () => {
    const { status, body } = await api(first.url, admin, 'GET', '/settings');
    expect(status).toBe(200);
    expect(body).toEqual({ api_enabled: true, updated_at: expect.any(String) });
    expect((await api(first.url, orgAdmin.token, 'GET', '/settings')).status).toBe(403);
    expect((await api(first.url, orgAdmin.token, 'PATCH', '/settings', { api_enabled: false })).status).toBe(403);
    for (const bad of [{}, { api_enabled: 'no' }, { api_enabled: true, other: 1 }]) {
      const result = await api(first.url, admin, 'PATCH', '/settings', bad);
      expect(result.status).toBe(400);
    }
  });

  it('refuses every client but platform admins while off, on every instance, and their tokens go inactive', async () => {
    const memberToken = await tokenFor(first.url, member);
    const platformToken = await tokenFor(first.url, platformClient);
    expect(await tokenIsLive(second, memberToken)).toBe(true);

    const off = await api(first.url, admin, 'PATCH', '/settings', { api_enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.api_enabled).toBe(false);

    for (const client of [member, outsider, platformClient, orgAdmin.client])
      expect(await refusedForApiSwitch(first, client)).toBe(true);
    expect(await eventually(() => refusedForApiSwitch(second, platformClient))).toBe(true);
    for (const server of [first, second]) {
      expect(await tokenIsLive(server, memberToken)).toBe(false);
      expect(await tokenIsLive(server, platformToken)).toBe(false);
      expect(await tokenIsLive(server, orgAdmin.token)).toBe(false);
    }

    // Platform admins keep working, so they can switch it back on.
    const freshAdmin = await adminToken(second.url);
    expect((await api(second.url, freshAdmin, 'GET', '/settings')).body.api_enabled).toBe(false);
    expect((await api(second.url, freshAdmin, 'PATCH', '/settings', { api_enabled: true })).status).toBe(200);

    expect(await issued(second, member)).toBe(true);
    expect(await eventually(() => issued(first, member))).toBe(true);
    expect(await tokenIsLive(first, memberToken)).toBe(true);
  });
});

describe('organization API switch', () => {
  it("refuses the organization's clients while off, and only them", async () => {
    const memberToken = await tokenFor(first.url, member);
    const off = await api(first.url, admin, 'PATCH', `/organizations/${organization.id}`, { api_enabled: false });
    expect(off.body.api_enabled).toBe(false);

    expect(await refusedForApiSwitch(first, member)).toBe(true);
    expect(await eventually(() => refusedForApiSwitch(second, member))).toBe(true);
    expect(await tokenIsLive(first, memberToken)).toBe(false);
    expect(await issued(first, outsider)).toBe(true);
    expect(await issued(first, platformClient)).toBe(true);
  });

  it('keeps its org-admins in, so they can switch their own API back on', async () => {
    expect(await tokenIsLive(first, orgAdmin.token)).toBe(true);
    const token = await tokenFor(second.url, orgAdmin.client);
    const on = await api(second.url, token, 'PATCH', `/organizations/${organization.id}`, { api_enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.api_enabled).toBe(true);
    expect(await issued(second, member)).toBe(true);
    expect(await eventually(() => issued(first, member))).toBe(true);
  });

  it("lets an org-admin switch off its own organization's API, never another's", async () => {
    expect(
      (await api(first.url, orgAdmin.token, 'PATCH', `/organizations/${otherOrganization.id}`, { api_enabled: false }))
        .status,
    ).toBe(404);
    expect(await issued(first, outsider)).toBe(true);
    expect(
      (await api(first.url, orgAdmin.token, 'PATCH', `/organizations/${organization.id}`, { api_enabled: false }))
        .status,
    ).toBe(200);
    expect(await refusedForApiSwitch(first, member)).toBe(true);
    expect(
      (await api(first.url, orgAdmin.token, 'PATCH', `/organizations/${organization.id}`, { api_enabled: true }))
        .status,
    ).toBe(200);
    expect(await issued(first, member)).toBe(true);
  });
});

describe("the caller's API switch on introspection and revocation", () => {
  it("refuses an organization's clients while its switch is off, on every instance, and leaves the token alone", async () => {
    const memberToken = await tokenFor(first.url, member);
    expect(
      (await introspect(first.url, memberResourceServer.client_id, memberResourceServer.client_secret, memberToken))
        .body?.active,
    ).toBe(true);
    expect(
      (await api(first.url, admin, 'PATCH', `/organizations/${organization.id}`, { api_enabled: false })).status,
    ).toBe(200);
    try {
      const refused = REFUSED_FOR_SWITCH(/API is disabled for this client's organization/);
      for (const caller of [memberResourceServer, member])
        expect(await introspectionAndRevocation(first, caller, memberToken)).toEqual([refused, refused]);
      const onSecond = await pollUntil(
        () => introspectionAndRevocation(second, member, memberToken),
        (answers) => answers[0]!.status === 400,
      );
      expect(onSecond).toEqual([refused, refused]);
      // Outside the organization, and its org-admins, nothing changes.
      const outsiderToken = await tokenFor(first.url, outsider);
      expect(
        (
          await introspect(
            first.url,
            platformResourceServer.client_id,
            platformResourceServer.client_secret,
            outsiderToken,
          )
        ).body,
      ).toMatchObject({ active: true });
      expect(
        (await introspect(first.url, orgAdmin.client.client_id, orgAdmin.client.client_secret, orgAdmin.token)).body,
      ).toMatchObject({ active: true });
    } finally {
      expect(
        (await api(first.url, admin, 'PATCH', `/organizations/${organization.id}`, { api_enabled: true })).status,
      ).toBe(200);
    }
    // The refused revocation revoked nothing: the token comes back with the switch.
    expect((await introspect(first.url, member.client_id, member.client_secret, memberToken)).body).toMatchObject({
      active: true,
    });
  });

  it('refuses every client but platform admins while the platform switch is off', async () => {
    const platformToken = await tokenFor(first.url, platformClient);
    expect((await api(first.url, admin, 'PATCH', '/settings', { api_enabled: false })).status).toBe(200);
    try {
      const refused = REFUSED_FOR_SWITCH(/API is disabled on this platform/);
      for (const caller of [platformResourceServer, platformClient])
        expect(await introspectionAndRevocation(first, caller, platformToken)).toEqual([refused, refused]);
      const admins = { client_id: ADMIN_CLIENT_ID, client_secret: ADMIN_CLIENT_SECRET };
      expect((await introspect(first.url, admins.client_id, admins.client_secret, platformToken)).body).toEqual({
        active: false,
      });
    } finally {
      expect((await api(first.url, admin, 'PATCH', '/settings', { api_enabled: true })).status).toBe(200);
    }
    expect(
      (await introspect(first.url, platformClient.client_id, platformClient.client_secret, platformToken)).body,
    ).toMatchObject({ active: true });
  });
});
