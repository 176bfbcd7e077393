import { createRemoteJWKSet, jwtVerify } from 'jose';
import { rotationTiming } from '../../src/keys/timing.js';
import { fetchJwks, keyRows, kidOf, signingKid } from '../support/keys.js';
import { adminToken, api } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { ADMIN_CLIENT_ID, startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

const INTERVAL_MS = 3_000;

let database: TestDatabase;
let servers: TestServer[];

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    ISSUER: 'http://tollgate.test',
    KEY_ROTATION_INTERVAL: '3s',
    SIGNING_ALG: 'ES256',
  };
  servers = [await startTestServer(env), await startTestServer(env)];
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((server) => server.stop()));
  await database?.drop();
});

describe('automatic rotation with KEY_ROTATION_INTERVAL=3s on two instances', () => {
  it('rotates on schedule, once per interval, only to keys published long enough, and every token keeps verifying', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const firstToken = await adminToken(a.url);
    expect((await fetchJwks(a.url)).cacheControl).toBe('public, max-age=0');

    const db = a.app.db;
    await waitFor(
      'two automatic rotations',
      15_000,
      async () => (await keyRows(db)).filter((row) => row.status === 'retired').length >= 2,
    );
    const rows = await keyRows(db);
    expect(rows.filter((row) => row.status === 'active')).toHaveLength(1);
    expect(rows.filter((row) => row.status === 'next')).toHaveLength(1);
    expect(rows.every((row) => row.alg === 'ES256')).toBe(true);

    // Had both instances rotated, two activations would fall within one interval.
    const activations = rows
      .filter((row) => row.activated_at)
      .map((row) => row.activated_at!.getTime())
      .sort((x, y) => x - y);
    for (let i = 1; i < activations.length; i += 1)
      expect(activations[i]! - activations[i - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS);
    const { minNextKeyAgeMs } = rotationTiming(INTERVAL_MS);
    for (const row of rows.slice(1).filter((candidate) => candidate.activated_at)) {
      expect(row.activated_at!.getTime() - row.created_at.getTime()).toBeGreaterThanOrEqual(minNextKeyAgeMs);
    }

    const { payload } = await jwtVerify(firstToken, createRemoteJWKSet(new URL(`${b.url}/jwks`)), {
      issuer: a.config.issuer,
      algorithms: ['ES256'],
    });
    expect(payload.sub).toBe(ADMIN_CLIENT_ID);
    expect((await api(b.url, firstToken, 'GET', '/keys')).status).toBe(200);

    const newToken = await adminToken(b.url);
    expect(kidOf(newToken)).not.toBe(kidOf(firstToken));
    expect((await fetchJwks(a.url)).kids).toContain(await signingKid(b.url));
  });
});
