/**
 * `npm run failover`: what a Redis master failover costs Tollgate, on a real Redis Cluster (3 masters,
 * 3 replicas) and a real Sentinel group (1 master, 1 replica, 3 sentinels), each started for the run on
 * local ports, with REDIS_MIN_REPLICAS_ACK 0 (the default) and 1.
 *
 * For each: tokens/s with the token endpoint alone (and the Redis time per token, from INFO
 * commandstats), Redis memory per live session (INFO used_memory before and after, and MEMORY USAGE of
 * one session), then a mixed load of token requests and introspections during which the master holding
 * some clients' slots (Cluster) or the master (Sentinel) is killed with SIGKILL, and restarted once a
 * replica has replaced it (it rejoins as that replica's replica). Reported: every answer
 * by status (only 200 and 503 are acceptable), how long after the kill the last non-200 came, and how
 * many tokens answered 200 around the failover no longer introspect as active (sessions lost).
 *
 * Needs PostgreSQL as in the README (TEST_POSTGRES_URL overrides it) and redis-server/redis-cli 7.
 * The server runs in this process, one worker: tokens/s are this machine's, in this run; compare ratios.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/config.js';
import { connectRedis } from '../src/redis/connection.js';
import { RedisSessionStore } from '../src/sessions/redis-store.js';
import { adminToken, type CreatedClient, createClient, introspect, requestToken } from '../test/support/oauth.js';
import { ask, type RedisGroup, startRedisCluster, startSentinelGroup } from '../test/support/redis-topologies.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { createTestDatabase } from '../test/support/services.js';

const CLIENTS = 24;
const CONCURRENCY = 16;
const THROUGHPUT_MS = Number(process.env.FAILOVER_THROUGHPUT_MS ?? 5_000);
const WARMUP_MS = 3_000;
/** Service counts as full again once this long has passed without an answer other than 200. */
const QUIET_MS = 3_000;
const MAX_OUTAGE_MS = 40_000;
/** Tokens issued from this long before the kill on are checked for their session afterwards. */
const CHECK_BEFORE_KILL_MS = 5_000;
/** Sessions written straight through the session store to size Redis: memory and creates/s. */
const SIZING_SESSIONS = Number(process.env.FAILOVER_SIZING_SESSIONS ?? 20_000);
const SIZING_CONCURRENCY = 64;

interface Issued {
  readonly client: number;
  readonly token: string;
  readonly at: number;
}

interface Figures {
  scenario: string;
  tokensPerSecond: number;
  redisMicrosPerToken: number;
  storeCreatesPerSecond: number;
  bytesPerSession: number;
  memoryUsageOfOneSession: number;
  answers: Record<string, number>;
  firstFailureAfterKillMs: number | null;
  fullServiceAfterKillMs: number | null;
  failoverDoneAfterKillMs: number;
  replicaBackAfterKillMs: number;
  slowestAnswerMs: number;
  clientsAffected: number;
  tokensChecked: number;
  sessionsLost: number;
}

async function masterStats(group: RedisGroup): Promise<{ usedMemory: number; calls: number; usec: number }> {
  const totals = { usedMemory: 0, calls: 0, usec: 0 };
  for (const port of await group.masters()) {
    const memory = String(await ask(port, ['INFO', 'memory']));
    // The dataset alone: the replication backlog and client buffers grow with traffic, not with sessions.
    totals.usedMemory += Number(/^used_memory_dataset:(\d+)/m.exec(memory)?.[1] ?? 0);
    const stats = String(await ask(port, ['INFO', 'commandstats']));
    for (const match of stats.matchAll(/^cmdstat_(evalsha|eval|wait):calls=(\d+),usec=(\d+)/gm)) {
      totals.calls += match[1] === 'wait' ? 0 : Number(match[2]);
      totals.usec += Number(match[3]);
    }
  }
  return totals;
}

function runLoad(worker: (n: number) => Promise<void>, until: () => boolean): Promise<void> {
  let n = 0;
  return Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!until()) await worker(n++);
    }),
  ).then(() => undefined);
}

async function sizeRedis(
  group: RedisGroup,
  ack: number,
  clients: readonly CreatedClient[],
): Promise<{ createsPerSecond: number; bytesPerSession: number }> {
  const target = loadConfig({ ...group.env, REDIS_MIN_REPLICAS_ACK: String(ack) }).redis!;
  const redis = connectRedis(target);
  await new Promise((resolve) => redis.once('ready', resolve));
  const store = new RedisSessionStore(redis, ack);
  try {
    const before = await masterStats(group);
    const kid = randomBytes(32).toString('base64url');
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: SIZING_CONCURRENCY }, async () => {
        while (next < SIZING_SESSIONS) {
          const n = next++;
          const issuedAt = Date.now();
          await store.create(
            {
              jti: randomBytes(16).toString('base64url'),
              client_id: clients[n % clients.length]!.client_id,
              scope: 'read write',
              issued_at_ms: issuedAt,
              exp: Math.floor(issuedAt / 1000) + 86_400,
              ip: '203.0.113.7',
              kid,
              org_id: null,
            },
            { maxPerClient: 0, perWindow: 0, windowMs: 60_000 },
          );
        }
      }),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const after = await masterStats(group);
    return {
      createsPerSecond: Math.round(SIZING_SESSIONS / seconds),
      bytesPerSession: Math.round((after.usedMemory - before.usedMemory) / SIZING_SESSIONS),
    };
  } finally {
    await store.close();
  }
}

async function scenario(name: string, startGroup: () => Promise<RedisGroup>, ack: number): Promise<Figures> {
  const [group, database] = await Promise.all([startGroup(), createTestDatabase()]);
  let server: TestServer | undefined;
  try {
    server = await startTestServer({
      ...group.env,
      DATABASE_URL: database.url,
      REDIS_MIN_REPLICAS_ACK: String(ack),
      MAX_SESSIONS_PER_CLIENT: '0',
      LOG_LEVEL: process.env.FAILOVER_LOG_LEVEL ?? 'silent',
    });
    const url = server.url;
    const admin = await adminToken(url);
    const clients: CreatedClient[] = [];
    for (let i = 0; i < CLIENTS; i += 1)
      clients.push(await createClient(url, admin, { name: `failover ${i}`, role: 'read-only' }));

    // 1. Sizing: sessions written through the session store itself (the token endpoint's own script,
    // and WAIT when on), as fast as one process can: creates/s Redis sustains, bytes per live session.
    const sizing = await sizeRedis(group, ack, clients);

    // 2. Tokens/s with the token endpoint alone, and Redis time per token.
    const before = await masterStats(group);
    let created = 0;
    const throughputEnd = performance.now() + THROUGHPUT_MS;
    await runLoad(
      async (n) => {
        const client = clients[n % CLIENTS]!;
        if ((await requestToken(url, client.client_id, client.client_secret)).status === 200) created += 1;
      },
      () => performance.now() >= throughputEnd,
    );
    const after = await masterStats(group);
    const sample = (await requestToken(url, clients[0]!.client_id, clients[0]!.client_secret)).body
      .access_token as string;
    const jti = JSON.parse(Buffer.from(sample.split('.')[1]!, 'base64url').toString()).jti as string;
    const sessionKey = `tg:{${clients[0]!.client_id}}:s:${jti}`;
    let memoryUsageOfOneSession = 0;
    for (const port of await group.masters()) {
      memoryUsageOfOneSession ||= Number((await ask(port, ['MEMORY', 'USAGE', sessionKey])) ?? 0);
    }

    // 3. Mixed load; the master of client 0's slot (or the Sentinel master) dies after WARMUP_MS.
    const answers: Record<string, number> = {};
    const failures: { at: number; client: number }[] = [];
    const issued: Issued[] = [];
    const latest: (string | undefined)[] = [];
    let killAt = Number.POSITIVE_INFINITY;
    let promotedAt = Number.POSITIVE_INFINITY;
    let rejoinedAt = Number.POSITIVE_INFINITY;
    let slowestAnswerMs = 0;
    const note = (kind: string, status: number, client: number, startedAt: number) => {
      slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - startedAt);
      const key = `${kind} ${status}`;
      answers[key] = (answers[key] ?? 0) + 1;
      if (status !== 200 && performance.now() >= killAt) failures.push({ at: performance.now(), client });
    };
    const done = () => {
      const now = performance.now();
      if (now - killAt > MAX_OUTAGE_MS) return true;
      const lastFailure = failures.at(-1)?.at ?? killAt;
      return now > rejoinedAt && now - Math.max(lastFailure, rejoinedAt) > QUIET_MS;
    };
    const load = runLoad(async (n) => {
      const i = n % CLIENTS;
      const client = clients[i]!;
      const tokenAt = performance.now();
      const answer = await requestToken(url, client.client_id, client.client_secret);
      note('token', answer.status, i, tokenAt);
      if (answer.status === 200) {
        const token = answer.body.access_token as string;
        issued.push({ client: i, token, at: performance.now() });
        latest[i] = token;
      }
      const previous = latest[(i + 1) % CLIENTS];
      if (previous) {
        const other = clients[(i + 1) % CLIENTS]!;
        const introspectAt = performance.now();
        const { status, body } = await introspect(url, other.client_id, other.client_secret, previous);
        note(
          status === 200 && body?.active === false ? 'introspect (inactive)' : 'introspect',
          status,
          i,
          introspectAt,
        );
      }
    }, done);
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const killed = await group.killMasterOf(`tg:{${clients[0]!.client_id}}:idx`);
    killAt = performance.now();
    await group.promoted(killed, MAX_OUTAGE_MS);
    promotedAt = performance.now();
    // The killed node comes back (as an orchestrator would restart it) and becomes the new master's replica.
    await group.rejoin(killed);
    rejoinedAt = performance.now();
    await load;
    const elapsed = (at: number) => Math.round(at - killAt);

    // 4. Every token answered 200 from shortly before the kill on must still introspect as active.
    const checked = issued.filter(({ at }) => at >= killAt - CHECK_BEFORE_KILL_MS);
    let lost = 0;
    for (let i = 0; i < checked.length; i += CONCURRENCY) {
      const batch = checked.slice(i, i + CONCURRENCY);
      const results = await Promise.all(
        batch.map(({ client, token }) =>
          introspect(url, clients[client]!.client_id, clients[client]!.client_secret, token),
        ),
      );
      lost += results.filter(({ body }) => body?.active !== true).length;
    }
    return {
      scenario: `${name}, REDIS_MIN_REPLICAS_ACK=${ack}`,
      tokensPerSecond: Math.round(created / (THROUGHPUT_MS / 1000)),
      redisMicrosPerToken: Number(((after.usec - before.usec) / Math.max(1, after.calls - before.calls)).toFixed(1)),
      storeCreatesPerSecond: sizing.createsPerSecond,
      bytesPerSession: sizing.bytesPerSession,
      memoryUsageOfOneSession,
      answers,
      firstFailureAfterKillMs: failures.length ? elapsed(failures[0]!.at) : null,
      fullServiceAfterKillMs: failures.length ? elapsed(failures.at(-1)!.at) : null,
      failoverDoneAfterKillMs: elapsed(promotedAt),
      replicaBackAfterKillMs: elapsed(rejoinedAt),
      slowestAnswerMs: Math.round(slowestAnswerMs),
      clientsAffected: new Set(failures.map(({ client }) => client)).size,
      tokensChecked: checked.length,
      sessionsLost: lost,
    };
  } finally {
    await server?.stop();
    await Promise.all([group.stop(), database.drop()]);
  }
}

const only = process.env.FAILOVER_ONLY;
const scenarios = [
  ['Redis Cluster', startRedisCluster, 0],
  ['Redis Cluster', startRedisCluster, 1],
  ['Sentinel', startSentinelGroup, 0],
  ['Sentinel', startSentinelGroup, 1],
] as const;
const results: Figures[] = [];
for (const [name, start, ack] of scenarios) {
  if (only && !`${name} ${ack}`.toLowerCase().includes(only.toLowerCase())) continue;
  const figures = await scenario(name, start, ack);
  results.push(figures);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
process.stdout.write(
  [
    '',
    '| scenario | tokens/s (token endpoint alone) | Redis µs per token | session creates/s (store alone) | bytes per session (used_memory_dataset) | MEMORY USAGE of one session | answers during failover | first non-200 after kill | last non-200 after kill | slowest answer | replica promoted / old master back as replica | clients affected | tokens checked | sessions lost |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.scenario} | ${r.tokensPerSecond} | ${r.redisMicrosPerToken} | ${r.storeCreatesPerSecond} | ${r.bytesPerSession} | ${r.memoryUsageOfOneSession} | ${Object.entries(
          r.answers,
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join(
            ', ',
          )} | ${r.firstFailureAfterKillMs ?? '-'} ms | ${r.fullServiceAfterKillMs ?? '-'} ms | ${r.slowestAnswerMs} ms | ${r.failoverDoneAfterKillMs} / ${r.replicaBackAfterKillMs} ms | ${r.clientsAffected}/${CLIENTS} | ${r.tokensChecked} | ${r.sessionsLost} |`,
    ),
    '',
  ].join('\n'),
);
process.exit(0);
