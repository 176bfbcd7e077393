import { createPrivateKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { AuditEventInput } from '../../src/audit/event.js';
import { openDatabase } from '../../src/db/database.js';
import { openKeyManager } from '../../src/keys/open.js';
import { rotationTiming } from '../../src/keys/timing.js';
import { createLogger } from '../../src/observability/logger.js';
import { LocalChangeFeed } from '../../src/sync/change-feed.js';
import { CLI_ACTOR } from '../../src/x/actor.js';
import {
  ageNextKey,
  fetchJwks,
  KEY_METADATA_FIELDS,
  keyRows,
  kidOf,
  PRIVATE_JWK_MEMBERS,
  signingKid,
} from '../support/keys.js';
import { adminToken, api, createClient, requestToken } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { ADMIN_CLIENT_ID, startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

/** The issue's bound for every instance to sign with a new key. */
const FOLLOW_WITHIN_MS = 5_000;
/** A notice lost: the poll (5 s at the default interval) must still bring the instance along. */
const POLL_FOLLOW_WITHIN_MS = 8_000;

let database: TestDatabase;
let a: TestServer;
let b: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  // Instances behind one load balancer share one issuer, so their tokens are interchangeable.
  env = { DATABASE_URL: database.url, REDIS_URL, ISSUER: 'http://tollgate.test' };
  [a, b] = [await startTestServer(env), await startTestServer(env)];
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

interface KeyItem {
  kid: string;
  alg: string;
  status: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
}

async function listKeys(server: TestServer, token: string): Promise<KeyItem[]> {
  const { status, body } = await api<{ items: KeyItem[] }>(server.url, token, 'GET', '/keys');
  expect(status).toBe(200);
  return body.items;
}

async function followsKid(server: TestServer, kid: string, timeoutMs: number): Promise<void> {
  await waitFor(`${server.url} to sign with ${kid}`, timeoutMs, async () => (await signingKid(server.url)) === kid);
}

describe('keys shared by two instances on one Postgres and Redis', () => {
  it('publishes the same public keys on both, cacheable for no longer than a next key waits', async () => {
    const [jwksA, jwksB] = await Promise.all([fetchJwks(a.url), fetchJwks(b.url)]);
    expect(jwksA.kids).toHaveLength(2);
    expect(jwksB.kids).toEqual(jwksA.kids);
    expect(jwksA.cacheControl).toBe('public, max-age=300');
    for (const key of jwksA.keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: 'RS256', use: 'sig', kty: 'RSA' });
      for (const member of PRIVATE_JWK_MEMBERS) expect(key[member]).toBeUndefined();
    }
  });

  it('accepts a token from one instance on the other, and lists key metadata without private parts', async () => {
    const token = await adminToken(a.url);
    const items = await listKeys(b, token);
    expect(items.map((item) => item.status).sort()).toEqual(['active', 'next']);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(KEY_METADATA_FIELDS);
    const active = items.find((item) => item.status === 'active')!;
    expect(kidOf(token)).toBe(active.kid);
    expect(active.activated_at).not.toBeNull();
    expect(items.find((item) => item.status === 'next')).toMatchObject({
      activated_at: null,
      retired_at: null,
      expires_at: null,
    });
  });

  it('lets only admins list and rotate keys', async () => {
    const client = await createClient(a.url, await adminToken(a.url), { name: 'not an admin', role: 'analyst' });
    const { body } = await requestToken(a.url, client.client_id, client.client_secret);
    const token = body.access_token as string;
    expect((await api(a.url, token, 'GET', '/keys')).status).toBe(403);
    expect((await api(b.url, token, 'POST', '/keys/rotate')).status).toBe(403);
    expect((await api(a.url, 'not-a-token', 'GET', '/keys')).status).toBe(401);
  });

  it('refuses a manual rotation to a next key that cached JWKS may not contain yet, and changes nothing', async () => {
    const token = await adminToken(a.url);
    const before = await listKeys(a, token);
    const response = await api<{ status: number; detail: string; retry_at: string }>(
      a.url,
      token,
      'POST',
      '/keys/rotate',
    );
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.detail).toMatch(/verifiers may cache the JWKS for 300 s.*retry in \d+ s/);
    expect(await listKeys(a, token)).toEqual(before);

    // The same wait, machine-readable: when the next key may sign, and the seconds until then.
    const { minNextKeyAgeMs } = rotationTiming(a.config.keyRotationIntervalMs);
    const next = before.find((item) => item.status === 'next')!;
    const [nextRow] = (await keyRows(a.app.db)).filter((row) => row.kid === next.kid);
    const readyAt = nextRow!.created_at.getTime() + minNextKeyAgeMs;
    expect(response.body.retry_at).toBe(new Date(readyAt).toISOString());
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(response.body.detail).toContain(`retry in ${retryAfter} s`);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(minNextKeyAgeMs / 1000));
  });

  it('rotates on one instance, the other follows within seconds, and older tokens still verify through the remote JWKS', async () => {
    const oldToken = await adminToken(a.url);
    const oldTokenFromB = await adminToken(b.url);
    const nextKid = await ageNextKey(a.app.db);

    const rotated = await api<KeyItem>(a.url, oldToken, 'POST', '/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body).sort()).toEqual(KEY_METADATA_FIELDS);
    expect(rotated.body).toMatchObject({ kid: nextKid, status: 'active', retired_at: null, expires_at: null });
    // The instance that rotated signs with the new key before it answers.
    expect(await signingKid(a.url)).toBe(nextKid);
    await followsKid(b, nextKid, FOLLOW_WITHIN_MS);
    await waitFor(
      'both JWKS to match',
      FOLLOW_WITHIN_MS,
      async () => (await fetchJwks(b.url)).kids.join() === (await fetchJwks(a.url)).kids.join(),
    );

    const jwks = await fetchJwks(b.url);
    expect(jwks.kids).toHaveLength(3);
    expect(jwks.kids).toContain(kidOf(oldToken));
    for (const [server, token] of [
      [b, oldToken],
      [a, oldTokenFromB],
    ] as const) {
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
        issuer: server.config.issuer,
        typ: 'at+jwt',
      });
      expect(payload.client_id).toBe(ADMIN_CLIENT_ID);
    }

    const items = await listKeys(b, oldToken);
    const retired = items.find((item) => item.kid === kidOf(oldToken))!;
    expect(retired.status).toBe('retired');
    expect(Date.parse(retired.expires_at!) - Date.parse(retired.retired_at!)).toBe((86_400 + 60) * 1000);
    expect(items.filter((item) => item.status === 'next').map((item) => item.kid)).not.toContain(nextKid);
  });

  it('performs exactly one of two simultaneous rotations on different instances', async () => {
    const token = await adminToken(a.url);
    const retiredBefore = (await keyRows(a.app.db)).filter((row) => row.status === 'retired').length;
    const nextKid = await ageNextKey(a.app.db);
    const results = await Promise.all([a, b].map((server) => api(server.url, token, 'POST', '/keys/rotate')));
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    const rows = await keyRows(a.app.db);
    expect(rows.filter((row) => row.status === 'retired')).toHaveLength(retiredBefore + 1);
    expect(rows.find((row) => row.status === 'active')!.kid).toBe(nextKid);
    await Promise.all([followsKid(a, nextKid, FOLLOW_WITHIN_MS), followsKid(b, nextKid, FOLLOW_WITHIN_MS)]);
  });

  it('performs a due scheduled rotation once, however many instances find it due', async () => {
    const monthAgo = new Date(Date.now() - 31 * 86_400_000);
    await a.app.db('signing_keys').where({ status: 'active' }).update({ activated_at: monthAgo });
    const nextKid = await ageNextKey(a.app.db);
    const retiredBefore = (await keyRows(a.app.db)).filter((row) => row.status === 'retired').length;
    // Both instances' polls at once, beside their own timers.
    await Promise.all([a.app.keys.maintain(), b.app.keys.maintain(), a.app.keys.maintain(), b.app.keys.maintain()]);
    const rows = await keyRows(a.app.db);
    expect(rows.filter((row) => row.status === 'retired')).toHaveLength(retiredBefore + 1);
    expect(rows.find((row) => row.status === 'active')!.kid).toBe(nextKid);
    await Promise.all([followsKid(a, nextKid, FOLLOW_WITHIN_MS), followsKid(b, nextKid, FOLLOW_WITHIN_MS)]);
  });

  it('catches up through its poll with a rotation nobody announced', async () => {
    // As an operator's tool would: another process on the same database, with no way to reach Redis.
    const db = openDatabase(a.config);
    const logger = createLogger('silent');
    try {
      const events: AuditEventInput[] = [];
      const audit = { record: (event: AuditEventInput) => events.push(event), flush: async () => undefined };
      const tool = await openKeyManager(db, a.config, { changes: new LocalChangeFeed(), audit, logger }, false);
      const retiring = tool.current().active.kid;
      await ageNextKey(db);
      const rotated = await tool.rotate(CLI_ACTOR);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'key.rotated',
          actor: 'cli',
          details: expect.objectContaining({ kid: rotated.kid, retired_kid: retiring, reason: 'manual' }),
        }),
      ]);
      await Promise.all([
        followsKid(a, rotated.kid, POLL_FOLLOW_WITHIN_MS),
        followsKid(b, rotated.kid, POLL_FOLLOW_WITHIN_MS),
      ]);
    } finally {
      await db.destroy();
    }
  });

  it('unpublishes and deletes a retired key once every token it signed has expired', async () => {
    const rows = await keyRows(a.app.db);
    const [expired, kept] = rows.filter((row) => row.status === 'retired');
    await a.app
      .db('signing_keys')
      .where({ kid: expired!.kid })
      .update({ expires_at: new Date(Date.now() - 1000) });
    for (const server of [a, b]) {
      await waitFor(
        `${server.url} to unpublish ${expired!.kid}`,
        POLL_FOLLOW_WITHIN_MS,
        async () => !(await fetchJwks(server.url)).kids.includes(expired!.kid),
      );
    }
    const remaining = (await keyRows(a.app.db)).map((row) => row.kid);
    expect(remaining).not.toContain(expired!.kid);
    expect(remaining).toContain(kept!.kid);
  });

  it('stores private keys only encrypted', async () => {
    const rows = await keyRows(a.app.db);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const key of a.app.keys.current().keys) {
      const row = rows.find((candidate) => candidate.kid === key.kid)!;
      const stored = JSON.stringify(row);
      const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
      const jwk = key.privateKey.export({ format: 'jwk' });
      const pem = (key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string).split('\n')[1]!;
      for (const plaintext of [
        der.toString('base64'),
        der.toString('base64url'),
        der.toString('hex'),
        pem,
        jwk.d!,
        'PRIVATE KEY',
      ]) {
        expect(stored).not.toContain(plaintext);
      }
      for (const member of PRIVATE_JWK_MEMBERS) expect(row.public_jwk[member]).toBeUndefined();
      expect(row.private_key_ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      const ciphertext = Buffer.from(row.private_key_ciphertext.split('.')[3]!, 'base64url');
      expect(() => createPrivateKey({ key: ciphertext, format: 'der', type: 'pkcs8' })).toThrow();
    }
  });

  it('keeps the keys across a restart', async () => {
    const token = await adminToken(a.url);
    const jwksBefore = await fetchJwks(a.url);
    await b.stop();
    b = await startTestServer(env);
    expect((await fetchJwks(b.url)).kids).toEqual(jwksBefore.kids);
    expect(await signingKid(b.url)).toBe(kidOf(token));
    expect((await api(b.url, token, 'GET', '/keys')).status).toBe(200);
  });
});
