import { adminToken, type CreatedClient, createClient, requestToken } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

/** Far above the 1 s Redis command timeout: a request still open by then is hanging. */
const noHang = () => ({ signal: AbortSignal.timeout(5_000) });

let redis: PrivateRedis;
let database: TestDatabase;
let server: TestServer;
let admin: string;
let client: CreatedClient;

function tokenRequest(): Promise<Response> {
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

async function expectUnavailable(): Promise<void> {
  const [token, ready, adminCall, health] = await Promise.all([
    tokenRequest(),
    fetch(`${server.url}/readyz`, noHang()),
    fetch(`${server.url}/api/v1/clients`, { headers: { authorization: `Bearer ${admin}` }, ...noHang() }),
    fetch(`${server.url}/healthz`, noHang()),
  ]);
  expect(token.status).toBe(503);
  expect(token.headers.get('retry-after')).toBe('1');
  expect(await token.json()).toMatchObject({ error: 'temporarily_unavailable' });
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'up', redis: 'down' } });
  expect(adminCall.status).toBe(503);
  expect(health.status).toBe(200);
}

async function expectRecovered(): Promise<void> {
  await waitFor('the token endpoint to recover', 10_000, async () => (await tokenRequest()).status === 200);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  expect((await requestToken(server.url, client.client_id, 'wrong')).status).toBe(401);
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  database = await createTestDatabase();
  server = await startTestServer({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '10',
  });
  admin = await adminToken(server.url);
  client = await createClient(server.url, admin, { name: 'through outages', role: 'read-only' });
});

afterAll(async () => {
  await server?.stop();
  await redis?.kill();
  await database?.drop();
});

describe('a Redis outage', () => {
  it('answers 503 temporarily_unavailable at once while Redis is gone, and recovers by itself when it returns', async () => {
    expect((await tokenRequest()).status).toBe(200);
    await redis.kill();
    await expectUnavailable();
    await redis.restart();
    await expectRecovered();
  });

  it('answers 503 within the command timeout while Redis accepts connections but never replies', async () => {
    redis.freeze();
    try {
      await expectUnavailable();
    } finally {
      redis.thaw();
    }
    await expectRecovered();
  });
});
