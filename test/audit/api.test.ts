import { randomUUID } from 'node:crypto';
import type { AuditEventResource } from '../../src/audit/event.js';
import type { AuditEventType } from '../../src/audit/event-types.js';
import { AuditStore } from '../../src/audit/store.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, api, createClient, requestToken } from '../support/oauth.js';
import { createOrganization, createOrganizationAdmin } from '../support/organizations.js';
import { ADMIN_CLIENT_ID, startTestServer, type TestServer } from '../support/server.js';

interface Page {
  items: AuditEventResource[];
  next_cursor: string | null;
}

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startSharedServer();
  admin = await adminToken(server.url);
});

afterAll(async () => {
  await server?.stop();
});

async function events(query: Record<string, string>): Promise<Page> {
  const { status, body } = await api<Page>(server.url, admin, 'GET', `/audit-events?${new URLSearchParams(query)}`);
  expect(status).toBe(200);
  return body;
}

async function ndjson(query: Record<string, string>, token = admin): Promise<Response> {
  return fetch(`${server.url}/api/v1/audit-events?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' },
  });
}

function isNewestFirst(items: readonly AuditEventResource[]): boolean {
  return items.every((item, i) => i === 0 || item.at <= items[i - 1]!.at);
}

describe('GET /api/v1/audit-events', () => {
  it('returns token decisions and admin actions, filtered by type and client_id', async () => {
    const client = await createClient(server.url, admin, { name: 'audited', role: 'read-only' });
    const issued = await requestToken(server.url, client.client_id, client.client_secret);
    await requestToken(server.url, client.client_id, 'wrong-secret');
    await server.app.audit.flush();

    const denied = await events({ type: 'token.denied', client_id: client.client_id });
    expect(denied.items).toHaveLength(1);
    expect(denied.items[0]).toMatchObject({
      type: 'token.denied',
      actor: null,
      client_id: client.client_id,
      details: { reason: 'invalid_secret', error: 'invalid_client' },
    });
    expect(denied.items[0]!.ip).toEqual(expect.any(String));

    // Events of the same millisecond may come in either order; ordering has its own test below.
    const all = await events({ client_id: client.client_id });
    expect(all.items.map((item) => item.type).sort()).toEqual(['client.created', 'token.denied', 'token.issued']);
    const byType = (type: string) => all.items.find((item) => item.type === type);
    const [tokenIssued, created] = [byType('token.issued'), byType('client.created')];
    const jti = JSON.parse(Buffer.from((issued.body.access_token as string).split('.')[1]!, 'base64url').toString())
      .jti as string;
    expect(tokenIssued).toMatchObject({
      actor: client.client_id,
      details: { jti, kid: expect.any(String), scope: 'read' },
    });
    expect(created).toMatchObject({
      actor: ADMIN_CLIENT_ID,
      request_id: expect.any(String),
      details: { name: 'audited', role: 'read-only' },
    });
    expect(Object.keys(created!).sort()).toEqual([
      'actor',
      'at',
      'client_id',
      'details',
      'id',
      'ip',
      'organization_id',
      'request_id',
      'type',
    ]);
  });

  it('filters by organization_id and by a time window (since inclusive, until exclusive)', async () => {
    const organization = `org-${randomUUID()}`;
    const hour = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
    const stored = (h: number, organization_id: string) => ({
      id: randomUUID(),
      at: hour(h),
      type: 'test.org',
      actor: 'system',
      client_id: null,
      organization_id,
      ip: null,
      request_id: null,
      details: { h },
    });
    await new AuditStore(server.app.db).insert([
      stored(1, organization),
      stored(2, organization),
      stored(3, organization),
      stored(2, 'someone-else'),
    ]);

    const hoursOf = (page: Page) => page.items.map((item) => item.details.h);
    expect(hoursOf(await events({ organization_id: organization }))).toEqual([3, 2, 1]);
    expect(hoursOf(await events({ organization_id: organization, since: hour(2).toISOString() }))).toEqual([3, 2]);
    expect(hoursOf(await events({ organization_id: organization, until: hour(3).toISOString() }))).toEqual([2, 1]);
    expect(
      hoursOf(
        await events({ organization_id: organization, since: hour(2).toISOString(), until: hour(3).toISOString() }),
      ),
    ).toEqual([2]);
    expect(
      hoursOf(await events({ type: 'test.org', since: '2026-01-01T03:00:00+01:00', until: hour(3).toISOString() })),
    ).toEqual([2, 2]);
    const blanks = { type: '', client_id: '', since: '', until: '', limit: '', cursor: '' };
    expect(hoursOf(await events({ ...blanks, organization_id: organization }))).toEqual([3, 2, 1]);
  });

  it('pages newest first with a stable cursor, unaffected by events recorded meanwhile', async () => {
    const type = 'test.paged' as AuditEventType;
    for (let i = 0; i < 7; i += 1) server.app.audit.record({ type, actor: 'system', details: { i } });
    await server.app.audit.flush();
    const seen: AuditEventResource[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await events({ type, limit: '3', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.next_cursor;
      server.app.audit.record({ type, actor: 'system', details: { late: true } });
      await server.app.audit.flush();
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((item) => item.id)).size).toBe(7);
    expect(isNewestFirst(seen)).toBe(true);
    expect(seen.some((item) => item.details.late)).toBe(false);
  });

  it('answers 400 naming the field for bad values and unknown parameters', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['since=yesterday', 'since'],
      ['until=2026-11-24T10:00:00', 'until'],
      ['since=2026-11-24T10:00:00Z&until=2026-11-24T09:00:00Z', 'until'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['type=Token%20Issued', 'type'],
      ['client=abc', 'client'],
      ['type=a&type=b', 'type'],
    ];
    for (const [query, field] of cases) {
      const { status, body, headers } = await api<{ errors: { field: string }[] }>(
        server.url,
        admin,
        'GET',
        `/audit-events?${query}`,
      );
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(body.errors.map((error) => error.field)).toContain(field);
    }
    const response = await ndjson({ since: 'not-a-date' });
    expect(response.status).toBe(400);
  });

  it('requires an admin token', async () => {
    const reader = await createClient(server.url, admin, { name: 'reader', role: 'read-only' });
    const { body } = await requestToken(server.url, reader.client_id, reader.client_secret);
    expect((await api(server.url, body.access_token as string, 'GET', '/audit-events')).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/audit-events`)).status).toBe(401);
    expect((await ndjson({}, body.access_token as string)).status).toBe(403);
  });
});

describe('NDJSON export', () => {
  it('streams every match, newest first, across many database chunks', async () => {
    const type = `test.export.${randomUUID().slice(0, 8)}` as AuditEventType;
    const count = 2_345;
    for (let i = 0; i < count; i += 1) server.app.audit.record({ type, actor: 'system', details: { i } });
    await server.app.audit.flush();

    const response = await ndjson({ type, limit: '5' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEventResource);
    expect(lines).toHaveLength(count);
    expect(new Set(lines.map((line) => line.id)).size).toBe(count);
    expect(lines.every((line) => line.type === type)).toBe(true);
    expect(isNewestFirst(lines)).toBe(true);
    const json = await events({ type, limit: '1' });
    expect(lines[0]).toEqual(json.items[0]);
  });

  it('answers an empty body when nothing matches', async () => {
    const response = await ndjson({ type: 'test.nothing-here' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});

describe('org-admins', () => {
  it('see the events of their own organization only, as JSON and NDJSON', async () => {
    const [mine, theirs] = [await createOrganization(server.url, admin), await createOrganization(server.url, admin)];
    const orgAdmin = await createOrganizationAdmin(server.url, admin, mine.id);
    const member = await createClient(server.url, admin, {
      name: 'member',
      role: 'read-only',
      organization_id: mine.id,
    });
    const outsider = await createClient(server.url, admin, {
      name: 'outsider',
      role: 'read-only',
      organization_id: theirs.id,
    });
    await requestToken(server.url, member.client_id, member.client_secret);
    await requestToken(server.url, member.client_id, 'wrong-secret');
    await requestToken(server.url, outsider.client_id, outsider.client_secret);
    await server.app.audit.flush();

    const get = (query: string) => api<Page>(server.url, orgAdmin.token, 'GET', `/audit-events?${query}`);
    const seen = (await get('limit=200')).body.items;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((event) => event.organization_id === mine.id)).toBe(true);
    const memberEvents = seen
      .filter((event) => event.client_id === member.client_id)
      .map((event) => `${event.type}:${String(event.details.reason ?? '')}`);
    expect(memberEvents.sort()).toEqual(['client.created:', 'token.denied:invalid_secret', 'token.issued:']);
    expect(seen.some((event) => event.client_id === outsider.client_id)).toBe(false);

    expect((await get(`organization_id=${theirs.id}`)).body).toEqual({ items: [], next_cursor: null });
    expect((await get(`client_id=${outsider.client_id}`)).body).toEqual({ items: [], next_cursor: null });
    const exported = await ndjson({ client_id: outsider.client_id }, orgAdmin.token);
    expect(exported.status).toBe(200);
    expect(await exported.text()).toBe('');
    const ownExport = await (await ndjson({}, orgAdmin.token)).text();
    expect(
      ownExport
        .trimEnd()
        .split('\n')
        .every((line) => (JSON.parse(line) as AuditEventResource).organization_id === mine.id),
    ).toBe(true);

    // A platform admin sees both organizations' events.
    expect(
      (await events({ organization_id: theirs.id })).items.some((event) => event.client_id === outsider.client_id),
    ).toBe(true);
  });
});

describe('embedded default (PGlite, in-process sessions)', () => {
  it('stores token decisions and serves them as JSON and NDJSON', async () => {
    const embedded = await startTestServer();
    try {
      const token = await adminToken(embedded.url);
      await requestToken(embedded.url, 'tgc_nobody', 'whatever');
      await requestToken(embedded.url, ADMIN_CLIENT_ID, 'wrong');
      await embedded.app.audit.flush();
      const { status, body } = await api<Page>(embedded.url, token, 'GET', '/audit-events?type=token.denied');
      expect(status).toBe(200);
      // A client_id that names no client is counted, not audited (see docs/operations.md).
      expect(body.items).toHaveLength(1);
      expect(body.items[0]).toMatchObject({ client_id: ADMIN_CLIENT_ID, details: { reason: 'invalid_secret' } });
      const response = await fetch(`${embedded.url}/api/v1/audit-events?type=token.issued`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' },
      });
      const lines = (await response.text())
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditEventResource);
      expect(lines.map((line) => line.actor)).toEqual([ADMIN_CLIENT_ID]);
    } finally {
      await embedded.stop();
    }
  });
});
