/**
 * `npm run chaos` (not part of `npm test`): two shared-mode instances (WORKERS=2 each) behind one
 * ISSUER, on a Postgres reached through a TCP proxy this script cuts and a Redis it owns (AOF,
 * appendfsync always), driven at full rate on the token and introspection endpoints while faults are
 * injected one after the other: Redis killed (SIGKILL) and restarted, Postgres cut and restored, one
 * worker process killed (its primary forks a new one). Per fault it prints the answers other than 200
 * and 503 (must be 0), requests that got no answer at all (connection reset), tokens issued whose
 * session is missing afterwards (must be 0), the time until both instances issue again, and the
 * token.issued audit events missing from the database. Then key rotation under load: two instances
 * rotating every few seconds while jose's createRemoteJWKSet, caching the JWKS as long as its
 * Cache-Control allows, verifies every issued token: 0 unverifiable.
 *
 * CHAOS_CONCURRENCY (default 32) requests in flight; CHAOS_FAULT_SECONDS (default 5) per fault;
 * CHAOS_PARTS (default `faults,rotation`) to run one part.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { basicAuth, claimsOf } from '../test/support/oauth.js';
import { spawnTollgate, type Tollgate } from '../test/support/processes.js';
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, freePort } from '../test/support/server.js';
import { createTestDatabase } from '../test/support/services.js';
import { TcpProxy } from '../test/support/tcp-proxy.js';

const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? 32);
const FAULT_MS = Number(process.env.CHAOS_FAULT_SECONDS ?? 5) * 1000;
const ISSUER = 'http://tollgate.chaos';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Redis that keeps what it acknowledged across a SIGKILL: AOF with an fsync per write. */
class OwnRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), 'tollgate-chaos-redis-')));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async restart(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes'],
      { stdio: 'ignore' },
    );
    await sleep(300);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Tally {
  statuses: Map<number, number>;
  unanswered: number;
  issued: string[];
}

const newTally = (): Tally => ({ statuses: new Map(), unanswered: 0, issued: [] });

/** Token and introspection requests at full rate against the instances, counted into `tally()`. */
function drive(instances: () => Tollgate[], client: { id: string; secret: string }, tally: () => Tally) {
  let running = true;
  const authorization = basicAuth(client.id, client.secret);
  const post = async (url: string, body: string) => {
    const current = tally();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      current.statuses.set(response.status, (current.statuses.get(response.status) ?? 0) + 1);
      return { status: response.status, text };
    } catch {
      current.unanswered += 1;
      return { status: 0, text: '' };
    }
  };
  const loop = async (index: number) => {
    for (let round = index; running; round++) {
      const all = instances();
      const base = all[round % all.length]!.url;
      const issued = await post(`${base}/token`, 'grant_type=client_credentials');
      if (issued.status === 200) {
        const token = (JSON.parse(issued.text) as { access_token: string }).access_token;
        tally().issued.push(token);
        await post(`${base}/token/introspection`, `token=${token}`);
      } else {
        await sleep(20);
      }
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, (_, index) => loop(index));
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

async function tokenFor(url: string, id: string, secret: string): Promise<number> {
  try {
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Milliseconds from now until every instance issues a token again. */
async function timeToService(instances: Tollgate[]): Promise<number> {
  const start = Date.now();
  for (;;) {
    const statuses = await Promise.all(instances.map((i) => tokenFor(i.url, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)));
    if (statuses.every((status) => status === 200)) return Date.now() - start;
    if (Date.now() - start > 120_000) return Number.POSITIVE_INFINITY;
    await sleep(50);
  }
}

/** Tokens whose session the instances no longer know (introspection says inactive). */
async function missingSessions(instances: Tollgate[], tokens: readonly string[]): Promise<number> {
  let missing = 0;
  const queue = [...tokens];
  const worker = async (index: number) => {
    for (let token = queue.pop(); token; token = queue.pop()) {
      const url = instances[index % instances.length]!.url;
      const response = await fetch(`${url}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `token=${token}`,
      });
      if (!((await response.text()) as string).startsWith('{"active":true')) missing += 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, index) => worker(index)));
  return missing;
}

async function createClient(url: string): Promise<{ id: string; secret: string }> {
  const token = await (
    await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).json();
  const response = await fetch(`${url}/api/v1/clients`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${(token as { access_token: string }).access_token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ name: 'chaos', role: 'read-only' }),
  });
  const body = (await response.json()) as { client_id: string; client_secret: string };
  return { id: body.client_id, secret: body.client_secret };
}

/** Worker pids of an instance, from its "listening" log lines. */
function workerPids(instance: Tollgate): number[] {
  const pids = [...instance.process.output().matchAll(/"pid":(\d+),[^\n]*"msg":"listening"/g)].map((m) => Number(m[1]));
  return [...new Set(pids)].filter((pid) => pid !== instance.process.child.pid);
}

async function storedJtis(databaseUrl: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ jti: string }>(
    "select details->>'jti' as jti from audit_events where type = 'token.issued'",
  );
  await client.end();
  return new Set(rows.map((row) => row.jti));
}

const RESULT_HEADER = `${'fault'.padEnd(26)} ${'requests'.padStart(9)} ${'other'.padStart(6)} ${'503'.padStart(6)} ${'no answer'.padStart(9)} ${'tokens'.padStart(7)} ${'no session'.padStart(10)} ${'recovered ms'.padStart(12)} ${'audit lost'.padStart(10)}`;

async function faults(): Promise<void> {
  const database = await createTestDatabase();
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
  const redis = await OwnRedis.start();
  const databaseUrl = new URL(database.url);
  databaseUrl.port = String(proxy.port);
  const env = {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redis.url,
    WORKERS: '2',
    ISSUER,
    LOG_LEVEL: 'info',
    RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '0',
    RATE_LIMIT_AUTH_FAILURES_PER_IP: '0',
    RATE_LIMIT_TOKENS_PER_CLIENT: '0',
    MAX_SESSIONS_PER_CLIENT: '1000000',
  };
  const instances = [await spawnTollgate(env), await spawnTollgate(env)];
  try {
    const client = await createClient(instances[0]!.url);
    let tally = newTally();
    const stop = drive(
      () => instances,
      client,
      () => tally,
    );
    const rows: string[] = [];
    const phase = async (name: string, inject: () => Promise<void>, repair: () => Promise<void>) => {
      tally = newTally();
      await sleep(1_000);
      await inject();
      await sleep(FAULT_MS);
      await repair();
      const recovered = await timeToService(instances);
      await sleep(1_000);
      const current = tally;
      tally = newTally();
      const missing = await missingSessions(instances, current.issued);
      await sleep(2_500); // one audit flush interval and a retry
      const stored = await storedJtis(database.url);
      const lost = current.issued.filter((token) => !stored.has(claimsOf(token).jti)).length;
      const requests = [...current.statuses.values()].reduce((a, b) => a + b, 0);
      const other = [...current.statuses].filter(([s]) => s !== 200 && s !== 503).reduce((a, [, n]) => a + n, 0);
      rows.push(
        `${name.padEnd(26)} ${String(requests).padStart(9)} ${String(other).padStart(6)} ${String(current.statuses.get(503) ?? 0).padStart(6)} ${String(current.unanswered).padStart(9)} ${String(current.issued.length).padStart(7)} ${String(missing).padStart(10)} ${String(recovered).padStart(12)} ${String(lost).padStart(10)}`,
      );
      console.log(rows.at(-1));
      if (other > 0) console.log('   statuses:', JSON.stringify([...current.statuses]));
    };
    console.log(`${CONCURRENCY} requests in flight, ${FAULT_MS / 1000} s per fault`);
    console.log(RESULT_HEADER);
    await phase(
      'none (steady state)',
      async () => undefined,
      async () => undefined,
    );
    await phase(
      'Redis SIGKILL + restart',
      () => redis.kill(),
      () => redis.restart(),
    );
    await phase(
      'Postgres cut (TCP proxy)',
      () => proxy.cut(),
      () => proxy.resume(),
    );
    await phase(
      'one worker SIGKILL',
      async () => {
        const pid = workerPids(instances[0]!)[0];
        if (pid) process.kill(pid, 'SIGKILL');
      },
      async () => undefined,
    );
    await stop();
  } finally {
    for (const instance of instances) await instance.process.stop();
    await proxy.cut();
    await redis.stop();
    await database.drop();
  }
}

async function rotation(): Promise<void> {
  const database = await createTestDatabase();
  const redis = await OwnRedis.start();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    WORKERS: '1',
    ISSUER,
    LOG_LEVEL: 'info',
    KEY_ROTATION_INTERVAL: '4s',
    RATE_LIMIT_TOKENS_PER_CLIENT: '0',
    MAX_SESSIONS_PER_CLIENT: '1000000',
  };
  const instances = [await spawnTollgate(env), await spawnTollgate(env)];
  try {
    const client = await createClient(instances[0]!.url);
    const jwksUrl = new URL(`${instances[0]!.url}/jwks`);
    const maxAge = Number(/max-age=(\d+)/.exec((await fetch(jwksUrl)).headers.get('cache-control') ?? '')?.[1] ?? 0);
    const jwks = createRemoteJWKSet(jwksUrl, { cacheMaxAge: maxAge * 1000, cooldownDuration: 0 });
    const tally = newTally();
    const stop = drive(
      () => instances,
      client,
      () => tally,
    );
    let verified = 0;
    let unverifiable = 0;
    const kids = new Set<string>();
    const deadline = Date.now() + 4 * FAULT_MS;
    while (Date.now() < deadline) {
      const batch = tally.issued.splice(0);
      for (const token of batch) {
        try {
          const { protectedHeader } = await jwtVerify(token, jwks, { issuer: ISSUER });
          kids.add(protectedHeader.kid!);
          verified += 1;
        } catch {
          unverifiable += 1;
        }
      }
      await sleep(100);
    }
    await stop();
    console.log(
      `key rotation every 4 s on 2 instances, JWKS max-age ${maxAge} s: ${verified} tokens verified by createRemoteJWKSet, ${kids.size} signing keys seen, ${unverifiable} unverifiable (answers: ${JSON.stringify([...tally.statuses])}, ${tally.unanswered} unanswered)`,
    );
  } finally {
    for (const instance of instances) await instance.process.stop();
    await redis.stop();
    await database.drop();
  }
}

const PARTS = (process.env.CHAOS_PARTS ?? 'faults,rotation').split(',');
if (PARTS.includes('faults')) await faults();
if (PARTS.includes('rotation')) await rotation();
