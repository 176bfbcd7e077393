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
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
let redis: PrivateRedis;
let server: TestServer;
let admin: string;
let resourceServer: CreatedClient;
let client: CreatedClient;
let token: string;

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startPrivateRedis()]);
  server = await startTestServer({ DATABASE_URL: database.url, REDIS_URL: redis.url });
  admin = await adminToken(server.url);
  resourceServer = await createClient(server.url, admin, { name: 'resource server', role: 'resource-server' });
  client = await createClient(server.url, admin, { name: 'worker', role: 'read-only' });
  token = await tokenFor(server.url, client);
  expect(
    (await introspect(server.url, resourceServer.client_id, resourceServer.client_secret, token)).body?.active,
  ).toBe(true);
  await redis.kill();
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('when the session store cannot be reached', () => {
  it('introspection answers 503 temporarily_unavailable, never a guess', async () => {
    const { status, body, headers } = await introspect(
      server.url,
      resourceServer.client_id,
      resourceServer.client_secret,
      token,
    );
    expect(status).toBe(503);
    expect(body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(headers.get('retry-after')).toBe('1');
  });

  it('revocation answers 503 temporarily_unavailable rather than claiming success', async () => {
    const { status, body } = await revoke(server.url, client.client_id, client.client_secret, token);
    expect(status).toBe(503);
    expect(body?.error).toBe('temporarily_unavailable');
  });

  it('the token endpoint answers 503 rather than issue a token it cannot record', async () => {
    const { status, body } = await requestToken(server.url, client.client_id, client.client_secret);
    expect(status).toBe(503);
    expect(body.error).toBe('temporarily_unavailable');
  });

  it('the sessions admin API answers 503 problem+json', async () => {
    const { status, headers } = await api(server.url, admin, 'GET', `/clients/${client.client_id}/sessions`);
    expect(status).toBe(503);
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
