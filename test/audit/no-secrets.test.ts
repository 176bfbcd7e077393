import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { basicAuth, requestToken, uniqueIp } from '../support/oauth.js';
import { spawnServer } from '../support/processes.js';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  freePort,
  TEST_KEY_ENCRYPTION_KEY,
  temporaryDirectory,
} from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

let database: TestDatabase;
const keysDir = temporaryDirectory('no-secrets-keys');

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
  rmSync(keysDir, { recursive: true, force: true });
});

async function storedEvents(url = database.url): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select * from audit_events order by at')).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('audit events and log lines hold no secret, token or key', () => {
  it('after token issuance, denials and admin changes, neither the table nor stdout contains one', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await spawnServer({
      PORT: String(port),
      ISSUER: url,
      DATABASE_URL: database.url,
      REDIS_URL,
      WORKERS: '1',
      INITIAL_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
      INITIAL_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      KEYS_DIR: keysDir,
      LOG_LEVEL: 'debug',
    });
    const secrets: string[] = [ADMIN_CLIENT_SECRET, TEST_KEY_ENCRYPTION_KEY];
    let clientId = '';
    let exitCode: number | null;
    try {
      const admin = await requestToken(url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
      const adminToken = admin.body.access_token as string;
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const created = (await (await call('POST', '/clients', { name: 'scanned', role: 'analyst' })).json()) as {
        client_id: string;
        client_secret: string;
      };
      clientId = created.client_id;
      const issued = await requestToken(url, created.client_id, created.client_secret, { scope: 'read' });
      expect(issued.status).toBe(200);
      await requestToken(url, created.client_id, 'a-wrong-but-secret-looking-value-0123456789');
      // A client that swaps its id and secret: the denial must not record the secret as the client_id.
      await requestToken(url, created.client_secret, created.client_id);
      await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: created.client_id,
          client_secret: created.client_secret,
          scope: 'admin',
        }),
      });
      expect(
        (await call('PATCH', `/clients/${created.client_id}`, { note: 'rotated nothing', status: 'inactive' })).status,
      ).toBe(200);
      secrets.push(
        adminToken,
        issued.body.access_token as string,
        created.client_secret,
        'a-wrong-but-secret-looking-value-0123456789',
        basicAuth(created.client_id, created.client_secret).slice('Basic '.length),
        basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).slice('Basic '.length),
      );
    } finally {
      exitCode = await server.stop();
    }
    expect(exitCode).toBe(0);

    const events = await storedEvents();
    const types = events.filter((event) => event.client_id === clientId).map((event) => event.type);
    // What was scanned is what matters: every kind of event this test caused was stored, at shutdown at the latest.
    expect(types.sort()).toEqual(['client.created', 'client.updated', 'token.denied', 'token.denied', 'token.issued']);
    // The swapped request named no client: it is counted, not audited, so its secret has nowhere to land.
    expect(events.filter((event) => (event.details as { reason?: string }).reason === 'unknown_client')).toEqual([]);

    const logged = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"audit":'));
    expect(logged.length).toBe(events.length);
    for (const event of events) expect(logged.some((line) => line.includes(`"id":"${event.id as string}"`))).toBe(true);

    const haystacks = { 'audit_events rows': JSON.stringify(events), 'server output': server.output() };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets)
        expect({ where, leaked: text.includes(secret) ? secret : null }).toEqual({ where, leaked: null });
      // No piece of a token either: its signature is the part that matters.
      for (const token of secrets.filter((secret) => secret.startsWith('eyJ')))
        expect(text.includes(token.split('.')[2]!)).toBe(false);
    }
  });

  it('a secret or junk sent as client_id is never written to stdout or audit_events as it was sent', async () => {
    const own = await createTestDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The shape the docs suggest for INITIAL_ADMIN_CLIENT_SECRET (openssl rand -hex 32): also a well-formed client_id.
    const adminSecret = randomBytes(32).toString('hex');
    const server = await spawnServer({
      PORT: String(port),
      ISSUER: url,
      DATABASE_URL: own.url,
      REDIS_URL,
      WORKERS: '1',
      TRUST_PROXY: 'true',
      RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '2',
      INITIAL_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
      INITIAL_ADMIN_CLIENT_SECRET: adminSecret,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      KEYS_DIR: keysDir,
    });
    const attacker = uniqueIp();
    // The junk stays under Node's 16 KB header limit once base64-encoded for Basic.
    const pasted = [adminSecret, `tgs_${randomBytes(32).toString('base64url')}`, 'eyJ'.repeat(3_000)];
    const statuses: number[] = [];
    let events: Record<string, unknown>[];
    let exitCode: number | null;
    try {
      for (const clientId of pasted) {
        // Basic (as most libraries send it) and form, to the three endpoints.
        statuses.push((await requestToken(url, clientId, 'whatever', {}, { 'x-forwarded-for': attacker })).status);
        for (const path of ['/token', '/token/introspection', '/token/revocation']) {
          const response = await fetch(`${url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': attacker },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: clientId,
              client_secret: 'whatever',
              token: 'x',
            }),
          });
          statuses.push(response.status);
        }
      }
    } finally {
      exitCode = await server.stop();
      events = await storedEvents(own.url);
      await own.drop();
    }
    const haystacks = { 'audit_events rows': JSON.stringify(events), 'server output': server.output() };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const value of pasted)
        expect({ where, leaked: text.includes(value) ? value.slice(0, 20) : null }).toEqual({ where, leaked: null });
    }
    expect(exitCode).toBe(0);
    // Two failures per (client_id, address) are allowed; the pasted secrets are blocked from their third on,
    // while the junk (no client could have that id) counts against the address only.
    expect(statuses).toEqual([401, 401, 429, 429, 401, 401, 429, 429, 401, 401, 401, 401]);
    // What is recorded: one event per block, naming the client_id by digest only.
    const digest = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 22);
    const attackerEvents = events.filter((event) => event.ip === attacker);
    expect(
      attackerEvents.map((event) => [
        event.type,
        event.client_id,
        (event.details as { client_id_digest?: string }).client_id_digest,
      ]),
    ).toEqual([
      ['caller.blocked', null, digest(pasted[0]!)],
      ['caller.blocked', null, digest(pasted[1]!)],
    ]);
    // And no log line per refused request, only the audit lines of those events.
    const linesAboutAttacker = server
      .stdout()
      .split('\n')
      .filter((line) => line.includes(attacker));
    expect(linesAboutAttacker).toHaveLength(2);
    expect(linesAboutAttacker.every((line) => line.includes('"msg":"caller.blocked"'))).toBe(true);
  });
});
