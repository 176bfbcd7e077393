import pg from 'pg';
import { JOB_TIMINGS_VARIABLE } from '../../src/config/job-timings.js';
import { sample, scrape } from '../support/metrics.js';
import { adminToken, createClient, requestTokenFrom, uniqueIp } from '../support/oauth.js';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from '../support/services.js';

const PATHS = ['/token', '/token/introspection', '/token/revocation'] as const;
const REQUESTS = 10_000;
const CONCURRENCY = 50;

/** One anonymous junk request of each kind an attacker can send without knowing any credential. */
const JUNK: readonly ((i: number) => { headers: Record<string, string>; body: string })[] = [
  () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }),
  () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'eyJ'.repeat(5_000),
      client_secret: 'x',
    }).toString(),
  }),
  // A fresh client_id each time, so that no cache could spare a lookup.
  (i) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: `tgc_${i.toString(16).padStart(24, '0')}`,
      client_secret: 'x',
    }).toString(),
  }),
  () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic bm8tY29sb24taGVyZQ==' },
    body: 'grant_type=client_credentials',
  }),
  () => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer something' },
    body: 'grant_type=client_credentials',
  }),
  () => ({ headers: { 'content-type': 'application/json' }, body: '{"client_id":"tgc_x","client_secret":"y"}' }),
];

async function sendJunk(
  server: TestServer,
  ip: string,
  i: number,
): Promise<{ status: number; retryAfter: string | null }> {
  const { headers, body } = JUNK[i % JUNK.length]!(i);
  const response = await fetch(`${server.url}${PATHS[i % PATHS.length]}`, {
    method: 'POST',
    headers: { ...headers, 'x-forwarded-for': ip },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

/** Transactions committed in the test database, read from another database so that reading adds none. */
async function committedTransactions(admin: pg.Client, database: string): Promise<number> {
  await admin.query('select pg_stat_clear_snapshot()');
  const { rows } = await admin.query<{ xact_commit: string }>(
    'select xact_commit from pg_stat_database where datname = $1',
    [database],
  );
  return Number(rows[0]!.xact_commit);
}

describe('10,000 anonymous junk requests from one address (shared mode: Postgres and Redis)', () => {
  let database: TestDatabase;
  // Its own Redis: change notices of other test files (one channel per Redis) would refresh caches here.
  let redis: PrivateRedis;
  let server: TestServer;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  const sql: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis();
    server = await startTestServer({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      TRUST_PROXY: 'true',
      // The defaults, which the test servers otherwise turn off.
      RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '10',
      RATE_LIMIT_AUTH_FAILURES_PER_IP: '100',
      // The audit retention sweep is background work with a first run a minute after start; on a shared
      // machine the flood outlasts that and the sweep's statements would be counted as request work.
      [JOB_TIMINGS_VARIABLE]: JSON.stringify({ auditRetentionFirstRunMs: 86_400_000 }),
    });
    server.app.db.on('query', (query: { sql: string }) => sql.push(query.sql));
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await server?.stop();
    await redis?.kill();
    await database?.drop();
  });

  async function auditRows(): Promise<
    { type: string; client_id: string | null; ip: string | null; details: Record<string, unknown> }[]
  > {
    await server.app.audit.flush();
    const { rows } = await server.app.db.raw('select type, client_id, ip, details from audit_events order by at, id');
    return rows as { type: string; client_id: string | null; ip: string | null; details: Record<string, unknown> }[];
  }

  it('add one audit row (the block) and, once the address is blocked, no database work at all', async () => {
    const attacker = uniqueIp();
    const rowsBefore = (await auditRows()).length;

    // Until the address is blocked: each junk request is a failure of the address.
    let failures = 0;
    while ((await sendJunk(server, attacker, failures)).status !== 429) failures += 1;
    expect(failures).toBe(100);

    const databaseName = new URL(database.url).pathname.slice(1);
    const transactionsBefore = await committedTransactions(admin, databaseName);
    const queriesBefore = sql.length;
    const statuses = new Map<string, number>();
    for (let next = failures + 1; next < REQUESTS; ) {
      const batch = Array.from({ length: Math.min(CONCURRENCY, REQUESTS - next) }, (_, k) => next + k);
      next += batch.length;
      for (const { status, retryAfter } of await Promise.all(batch.map((i) => sendJunk(server, attacker, i)))) {
        const key = `${status} retry-after=${retryAfter === null ? 'none' : 'set'}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }
    const blockedQueries = sql.slice(queriesBefore);
    // Only the background jobs' own statements may appear: the key poll (every 5 s) and the audit writer.
    const requestWork = blockedQueries.filter(
      (text) => !/from "signing_keys"/.test(text) && !/^insert into audit_events/.test(text),
    );
    const rows = await auditRows();
    const transactionsAfter = await committedTransactions(admin, databaseName);

    expect(Object.fromEntries(statuses)).toEqual({ '429 retry-after=set': REQUESTS - failures - 1 });
    expect(requestWork).toEqual([]);
    // At most the one audit row of the block, if the writer had not stored it yet.
    expect(blockedQueries.filter((text) => text.startsWith('insert into audit_events')).length).toBeLessThanOrEqual(1);
    // Postgres's own count agrees: a few background transactions, not thousands.
    expect(transactionsAfter - transactionsBefore).toBeLessThan(100);
    const added = rows.slice(rowsBefore);
    expect(added).toEqual([
      {
        type: 'caller.blocked',
        client_id: null,
        ip: attacker,
        details: { limit: 'per_ip', address: expect.stringMatching(/::\/64$/), until: expect.any(String) },
      },
    ]);
    process.stdout.write(
      `anonymous flood: ${REQUESTS} requests, ${added.length} audit row(s) added, ${blockedQueries.length} queries and ${transactionsAfter - transactionsBefore} transactions during the last ${REQUESTS - failures - 1} (blocked) requests\n`,
    );

    const metrics = await scrape(server.url);
    expect(sample(metrics, 'tollgate_authentication_blocks_total{limit="per_ip"}')).toBe(1);
    const refusedWhileBlocked = [
      'tollgate_token_requests_total',
      'tollgate_introspections_total',
      'tollgate_revocations_total',
    ].reduce((sum, counter) => sum + (sample(metrics, `${counter}{result="rate_limited"}`) ?? 0), 0);
    expect(refusedWhileBlocked).toBe(REQUESTS - failures);
  }, 120_000);

  it('keeps the blocked address blocked for every client, and serves everyone else', async () => {
    const client = await createClient(server.url, await adminToken(server.url), {
      name: 'bystander',
      role: 'read-only',
    });
    const attacker = uniqueIp();
    for (let i = 0; i < 100; i += 1) expect((await sendJunk(server, attacker, i)).status).not.toBe(429);
    expect((await requestTokenFrom(attacker, server.url, client.client_id, client.client_secret)).status).toBe(429);
    expect((await requestTokenFrom(uniqueIp(), server.url, client.client_id, client.client_secret)).status).toBe(200);
  });

  it('audits a wrong secret for a client that exists, once per attempt, with its organization', async () => {
    const client = await createClient(server.url, await adminToken(server.url), { name: 'guessed', role: 'read-only' });
    const attacker = uniqueIp();
    for (let i = 0; i < 10; i += 1)
      expect((await requestTokenFrom(attacker, server.url, client.client_id, `guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 5; i += 1)
      expect((await requestTokenFrom(attacker, server.url, client.client_id, client.client_secret)).status).toBe(429);
    const mine = (await auditRows()).filter((row) => row.ip === attacker);
    // Sorted: events of one millisecond have no order.
    expect(
      mine.map((row) => `${row.type} ${row.client_id} ${String(row.details.reason ?? row.details.limit)}`).sort(),
    ).toEqual([
      `caller.blocked ${client.client_id} per_client_ip`,
      ...Array.from({ length: 10 }, () => `token.denied ${client.client_id} invalid_secret`),
    ]);
  });
});
