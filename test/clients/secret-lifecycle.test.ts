import { SERVER_MODES } from '../support/modes.js';
import { adminToken, api, type CreatedClient, createClient, introspect, requestToken } from '../support/oauth.js';
import { pollUntil } from '../support/poll.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

interface RotatedSecret {
  client_id: string;
  client_secret: string;
  previous_secret_expires_at: string | null;
}

const rotate = (server: TestServer, admin: string, clientId: string, body?: unknown, query = '') =>
  api<RotatedSecret>(server.url, admin, 'POST', `/clients/${clientId}/secret${query}`, body);

/** Status of a client-authenticated call that creates nothing, to watch a secret without piling up tokens. */
const authenticates = async (server: TestServer, clientId: string, secret: string) =>
  (await introspect(server.url, clientId, secret, 'probe')).status;

function parseEnvFile(text: string): Record<string, string> {
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe.each(SERVER_MODES)('secret lifecycle, $name', (mode) => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await mode.start();
    admin = await adminToken(server.url);
  });
  afterAll(() => server?.stop());

  it('rotates without a grace period: the old secret stops at once, the new one works', async () => {
    const client = await createClient(server.url, admin, { name: 'rotate now', role: 'read-only' });
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);

    const { status, body, headers } = await rotate(server, admin, client.client_id);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(body).sort()).toEqual(['client_id', 'client_secret', 'previous_secret_expires_at']);
    expect(body).toEqual({
      client_id: client.client_id,
      client_secret: expect.stringMatching(/^tgs_/),
      previous_secret_expires_at: null,
    });
    expect(body.client_secret).not.toBe(client.client_secret);

    const old = await requestToken(server.url, client.client_id, client.client_secret);
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('invalid_client');
    expect((await requestToken(server.url, client.client_id, body.client_secret)).status).toBe(200);
  });

  it('rotates with a grace period: both secrets work, then the old one stops by itself', async () => {
    const client = await createClient(server.url, admin, { name: 'rotate gently', role: 'read-only' });
    const before = Date.now();
    const { status, body } = await rotate(server, admin, client.client_id, { grace_period_seconds: 2 });
    expect(status).toBe(200);
    const expiresAt = Date.parse(body.previous_secret_expires_at!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2_000);

    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);
    expect((await requestToken(server.url, client.client_id, body.client_secret)).status).toBe(200);

    expect(
      await pollUntil(
        () => authenticates(server, client.client_id, client.client_secret),
        (code) => code === 401,
        6_000,
        100,
      ),
    ).toBe(401);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(401);
    expect((await requestToken(server.url, client.client_id, body.client_secret)).status).toBe(200);
  });

  it('keeps at most two secrets: rotating again ends an earlier grace period', async () => {
    const client = await createClient(server.url, admin, { name: 'rotate twice', role: 'read-only' });
    const second = await rotate(server, admin, client.client_id, { grace_period_seconds: 3_600 });
    const third = await rotate(server, admin, client.client_id, { grace_period_seconds: 3_600 });
    expect(await authenticates(server, client.client_id, client.client_secret)).toBe(401);
    expect(await authenticates(server, client.client_id, second.body.client_secret)).toBe(200);
    expect(await authenticates(server, client.client_id, third.body.client_secret)).toBe(200);
  });

  it('refuses a bad grace period naming the field, and an unknown client with 404', async () => {
    const client = await createClient(server.url, admin, { name: 'bad rotation', role: 'read-only' });
    for (const body of [
      { grace_period_seconds: -1 },
      { grace_period_seconds: 604_801 },
      { grace_period_seconds: 1.5 },
      { grace_period_seconds: '60' },
      { grace: 60 },
    ]) {
      const response = await rotate(server, admin, client.client_id, body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toMatch(/grace/);
    }
    expect(await authenticates(server, client.client_id, client.client_secret)).toBe(200);
    expect((await rotate(server, admin, client.client_id, { grace_period_seconds: 604_800 })).status).toBe(200);
    expect((await rotate(server, admin, 'tgc_nobody')).status).toBe(404);
  });

  it('hands out the credentials as a .env file on creation and on rotation', async () => {
    const response = await fetch(`${server.url}/api/v1/clients?download=env`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'downloaded', role: 'read-only' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const env = parseEnvFile(await response.text());
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="tollgate-${env.TOLLGATE_CLIENT_ID}.env"`,
    );
    expect(env).toEqual({
      TOLLGATE_CLIENT_ID: expect.stringMatching(/^tgc_/),
      TOLLGATE_CLIENT_SECRET: expect.stringMatching(/^tgs_/),
      TOLLGATE_TOKEN_ENDPOINT: `${server.config.issuer}/token`,
      TOLLGATE_ISSUER: server.config.issuer,
    });
    expect((await requestToken(server.url, env.TOLLGATE_CLIENT_ID!, env.TOLLGATE_CLIENT_SECRET!)).status).toBe(200);

    const rotated = await fetch(`${server.url}/api/v1/clients/${env.TOLLGATE_CLIENT_ID}/secret?download=env`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(rotated.status).toBe(200);
    const rotatedEnv = parseEnvFile(await rotated.text());
    expect(rotatedEnv.TOLLGATE_CLIENT_ID).toBe(env.TOLLGATE_CLIENT_ID);
    expect(rotatedEnv.TOLLGATE_CLIENT_SECRET).not.toBe(env.TOLLGATE_CLIENT_SECRET);
    expect((await requestToken(server.url, env.TOLLGATE_CLIENT_ID!, rotatedEnv.TOLLGATE_CLIENT_SECRET!)).status).toBe(
      200,
    );
  });

  it('refuses an unknown download format before creating anything', async () => {
    const name = `not downloaded ${Date.now()}`;
    const response = await fetch(`${server.url}/api/v1/clients?download=xml`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'read-only' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('download');
    const { body } = await api<{ items: { name: string }[] }>(server.url, admin, 'GET', '/clients?limit=200');
    expect(body.items.map((item) => item.name)).not.toContain(name);
  });

  it('sets last_used_at when the client gets a token', async () => {
    const client = await createClient(server.url, admin, { name: 'used', role: 'read-only' });
    expect(client.last_used_at).toBeNull();
    expect((await requestToken(server.url, client.client_id, client.client_secret)).status).toBe(200);
    await server.app.flush();
    const { body } = await api<{ last_used_at: string }>(server.url, admin, 'GET', `/clients/${client.client_id}`);
    expect(Math.abs(Date.parse(body.last_used_at) - Date.now())).toBeLessThan(120_000);
  });
});

describe('secret rotation across instances (shared mode)', () => {
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A long cache TTL on the second instance: only the change feed can make it drop the old secret in time.
    first = await startTestServer({ DATABASE_URL: database.url, REDIS_URL });
    second = await startTestServer({ DATABASE_URL: database.url, REDIS_URL, CLIENT_CACHE_TTL: '5m' });
    admin = await adminToken(first.url);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await database?.drop();
  });

  it('stops the old secret on every instance at once', async () => {
    const client: CreatedClient = await createClient(first.url, admin, {
      name: 'rotated on one instance',
      role: 'read-only',
    });
    expect(await authenticates(second, client.client_id, client.client_secret)).toBe(200);

    const { body } = await rotate(first, admin, client.client_id);
    expect(
      await pollUntil(
        () => authenticates(second, client.client_id, client.client_secret),
        (code) => code === 401,
        2_000,
      ),
    ).toBe(401);
    expect((await requestToken(second.url, client.client_id, body.client_secret)).status).toBe(200);
  });
});
