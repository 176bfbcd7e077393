import knexFactory from 'knex';
import { adminToken, api, createClient, requestToken } from '../support/oauth.js';
import { ADMIN_CLIENT_ID, startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
let server: TestServer;
let admin: string;

async function clientCount(): Promise<number> {
  const db = knexFactory({ client: 'pg', connection: database.url });
  const [{ count }] = (await db('api_clients').count({ count: '*' })) as [{ count: string }];
  await db.destroy();
  return Number(count);
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ DATABASE_URL: database.url, REDIS_URL });
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('admin API authentication', () => {
  it('answers 401 problem+json without a token or with a bad one', async () => {
    for (const authorization of [undefined, 'Bearer not-a-token', 'Basic abc']) {
      const response = await fetch(`${server.url}/api/v1/clients`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('answers 403 to a valid token without the admin scope', async () => {
    const analyst = await createClient(server.url, admin, { name: 'analyst', role: 'analyst' });
    const token = (await requestToken(server.url, analyst.client_id, analyst.client_secret)).body
      .access_token as string;
    const { status, body } = await api(server.url, token, 'GET', '/clients');
    expect(status).toBe(403);
    expect(body.detail).toMatch(/admin/);
  });

  it('refuses a token whose client was deactivated', async () => {
    const other = await createClient(server.url, admin, { name: 'second admin', role: 'admin' });
    const token = (await requestToken(server.url, other.client_id, other.client_secret)).body.access_token as string;
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(200);
    await api(server.url, admin, 'PATCH', `/clients/${other.client_id}`, { status: 'inactive' });
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(401);
  });
});

describe('clients', () => {
  it('creates a client and shows its secret exactly once', async () => {
    const created = await createClient(server.url, admin, {
      name: 'SOAR playbooks',
      role: 'analyst',
      ip_allowlist: ['10.0.0.0/8'],
      note: 'prod',
    });
    expect(created).toMatchObject({
      name: 'SOAR playbooks',
      role: 'analyst',
      ip_allowlist: ['10.0.0.0/8'],
      status: 'active',
      note: 'prod',
      created_by: ADMIN_CLIENT_ID,
      last_used_at: null,
    });
    expect(created.client_secret).toMatch(/^tgs_[A-Za-z0-9_-]{43}$/);
    const fetched = await api(server.url, admin, 'GET', `/clients/${created.client_id}`);
    expect(fetched.status).toBe(200);
    const { client_secret: _secret, ...withoutSecret } = created;
    expect(fetched.body).toEqual(withoutSecret);
    const listed = await api<{ items: Record<string, unknown>[] }>(server.url, admin, 'GET', '/clients?limit=200');
    for (const item of listed.body.items) {
      expect(Object.keys(item).some((key) => key.includes('secret') || key.includes('digest'))).toBe(false);
    }
  });

  it('pages through every client with a cursor, newest first', async () => {
    const made = [];
    for (let i = 0; i < 5; i += 1)
      made.push((await createClient(server.url, admin, { name: `page ${i}`, role: 'read-only' })).client_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { client_id: string }[]; next_cursor: string | null } } = await api(
        server.url,
        admin,
        'GET',
        `/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.client_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const positions = made.map((id) => seen.indexOf(id));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
  });

  it('filters the list by role, status and a search on name or client_id, across pages', async () => {
    const tag = `Filter-${Date.now()}`;
    const readers = [];
    for (let i = 0; i < 3; i += 1)
      readers.push(await createClient(server.url, admin, { name: `${tag} reader ${i}`, role: 'read-only' }));
    const stopped = await createClient(server.url, admin, {
      name: `${tag} stopped`,
      role: 'read-only',
      status: 'inactive',
    });
    const analyst = await createClient(server.url, admin, { name: `${tag.toLowerCase()} analyst`, role: 'analyst' });
    await createClient(server.url, admin, { name: `100% literal_`, role: 'analyst' });
    const ids = async (query: string): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: { client_id: string }[]; next_cursor: string | null } } =
          await api(server.url, admin, 'GET', `/clients?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((item) => item.client_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      return seen;
    };

    const q = encodeURIComponent(tag);
    const readersNewestFirst = [...readers].reverse().map((client) => client.client_id);
    expect(await ids(`q=${q}`)).toEqual([analyst.client_id, stopped.client_id, ...readersNewestFirst]);
    expect(await ids(`q=${q}&role=read-only&status=active`)).toEqual(readersNewestFirst);
    expect(await ids(`q=${q}&status=inactive`)).toEqual([stopped.client_id]);
    expect(await ids(`q=${encodeURIComponent(analyst.client_id.slice(0, 12))}`)).toContain(analyst.client_id);
    // % and _ match only themselves.
    expect(await ids(`q=${encodeURIComponent('0% literal_')}`)).toHaveLength(1);
    expect(await ids(`q=${encodeURIComponent('%')}`)).toHaveLength(1);

    const bad = await api(server.url, admin, 'GET', '/clients?status=paused&q=');
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((error) => error.field).sort()).toEqual(['q', 'status']);
  });

  it('rejects bad input with 400 naming each field, and writes nothing', async () => {
    const before = await clientCount();
    const cases: [unknown, string][] = [
      [{ role: 'analyst' }, 'name'],
      [{ name: '', role: 'analyst' }, 'name'],
      [{ name: 'x'.repeat(201), role: 'analyst' }, 'name'],
      [{ name: 'ok', role: 'superuser' }, 'role'],
      [{ name: 'ok', role: 'analyst', ip_allowlist: ['10.0.0.0/8', '999.1.1.1'] }, 'ip_allowlist.1'],
      [{ name: 'ok', role: 'analyst', ip_allowlist: 'not-a-list' }, 'ip_allowlist'],
      [{ name: 'ok', role: 'analyst', status: 'paused' }, 'status'],
      [{ name: 'ok', role: 'analyst', client_secret: 'mine' }, 'client_secret'],
      [{ name: 'nul\u0000byte', role: 'analyst' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const { status, body: problem } = await api<{ errors: { field: string }[]; status: number }>(
        server.url,
        admin,
        'POST',
        '/clients',
        body,
      );
      expect(status).toBe(400);
      expect(problem.errors.map((issue) => issue.field)).toContain(field);
    }
    const malformed = await fetch(`${server.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    const wrongType = await fetch(`${server.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    expect(wrongType.status).toBe(415);
    expect(await clientCount()).toBe(before);
  });

  it('updates fields with PATCH and validates them the same way', async () => {
    const client = await createClient(server.url, admin, { name: 'patch me', role: 'read-only' });
    const updated = await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {
      name: 'patched',
      role: 'analyst',
      ip_allowlist: ['2001:db8::/32'],
      note: 'n',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'patched',
      role: 'analyst',
      ip_allowlist: ['2001:db8::/32'],
      note: 'n',
    });
    expect((await api(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {})).status).toBe(400);
    const bad = await api<{ errors: { field: string }[] }>(server.url, admin, 'PATCH', `/clients/${client.client_id}`, {
      name: 'fine',
      status: 'gone',
    });
    expect(bad.status).toBe(400);
    expect((await api(server.url, admin, 'GET', `/clients/${client.client_id}`)).body.name).toBe('patched');
  });

  it('answers 404 for unknown clients on every route and 204 on delete', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const { status, body } = await api(
        server.url,
        admin,
        method,
        '/clients/tgc_nope',
        method === 'PATCH' ? { name: 'x' } : undefined,
      );
      expect(status).toBe(404);
      expect(body.status).toBe(404);
    }
    const client = await createClient(server.url, admin, { name: 'delete me', role: 'read-only' });
    expect((await api(server.url, admin, 'DELETE', `/clients/${client.client_id}`)).status).toBe(204);
    expect((await api(server.url, admin, 'GET', `/clients/${client.client_id}`)).status).toBe(404);
  });

  it('validates pagination parameters', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=%21%21']) {
      expect((await api(server.url, admin, 'GET', `/clients?${query}`)).status).toBe(400);
    }
  });
});
