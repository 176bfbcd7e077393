import { adminToken, api, type CreatedClient, createClient, requestToken } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const noHang = () => ({ signal: AbortSignal.timeout(10_000) });

let database: TestDatabase;
let proxy: TcpProxy;
let server: TestServer;
let admin: string;
let known: CreatedClient;
let unseen: CreatedClient;

function tokenFor(client: CreatedClient): Promise<Response> {
  return fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
    ...noHang(),
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  const direct = new URL(database.url);
  proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  // A 1 ms cache TTL: every lookup goes to the database, so serving during the outage can only come
  // from the stale-if-error window.
  server = await startTestServer({ DATABASE_URL: proxied.toString(), REDIS_URL, CLIENT_CACHE_TTL: '1ms' });
  admin = await adminToken(server.url);
  known = await createClient(server.url, admin, { name: 'known', role: 'read-only' });
  unseen = await createClient(server.url, admin, { name: 'unseen', role: 'read-only' });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.cut();
  await database?.drop();
});

describe('a Postgres outage', () => {
  it('keeps serving recently seen clients, answers 503 for the rest, and recovers by itself', async () => {
    expect((await tokenFor(known)).status).toBe(200);
    await proxy.cut();

    const [cached, uncached, ready, adminList] = await Promise.all([
      tokenFor(known),
      tokenFor(unseen),
      fetch(`${server.url}/readyz`, noHang()),
      fetch(`${server.url}/api/v1/clients`, { headers: { authorization: `Bearer ${admin}` }, ...noHang() }),
    ]);
    expect(cached.status).toBe(200);
    expect(uncached.status).toBe(503);
    expect(await uncached.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'down', redis: 'up' } });
    expect(adminList.status).toBe(503);
    expect(adminList.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    await proxy.resume();
    await waitFor('the token endpoint to recover', 10_000, async () => (await tokenFor(unseen)).status === 200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await api(server.url, admin, 'GET', '/clients')).status).toBe(200);
    expect((await requestToken(server.url, known.client_id, 'wrong')).status).toBe(401);
  });
});
