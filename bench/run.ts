/**
 * `npm run bench`: three servers on this machine in the same run, in alternating rounds so that all see
 * the same background noise:
 *   ceiling        a bare node:http cluster that checks Basic credentials and signs (bench/ceiling.ts):
 *                  what this machine can sign at most
 *   oidc-provider  plain oidc-provider issuing client_credentials JWTs (bench/baseline.ts)
 *   tollgate       shared mode (Postgres, Redis), limits off
 *   tollgate (log) the same with AUDIT_TOKEN_EVENTS=log: token.issued as a log line only, no row
 * for RS256, ES256 and EdDSA; then introspection, Tollgate beside its own ceiling (verify + one Redis GET).
 * Prints tokens/s, p50 and p99, each server's percentage of the ceiling, checks that every token
 * Tollgate issued has its session in Redis and its audit row in Postgres and that no request failed, and
 * prints the per-token CPU budget: µs of CPU per token in each process group (from /proc) and in each
 * Redis command (INFO commandstats).
 *
 * Needs PostgreSQL as in the README (TEST_POSTGRES_URL overrides it) and redis-server on the PATH: the
 * benchmark runs its own Redis, so that its CPU and command statistics are Tollgate's alone.
 * BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3) and BENCH_ALGS (default RS256,ES256,EdDSA) set the run;
 * BENCH_PROFILE=<dir> has Tollgate's processes write V8 CPU profiles there (node --cpu-prof);
 * BENCH_BEFORE=<checkout> adds that checkout's built Tollgate (<checkout>/dist/src/main.js) as a fourth
 * target, "before", for a change's before/after ratio in one run. Then ES256 bearer, DPoP-bound and
 * private_key_jwt tokens from one server in the same rounds (BENCH_CLIENT_AUTH=0 skips them).
 *
 * Throughput on a shared machine depends on how much CPU the others leave; the CPU each token costs
 * across all processes (the budget) depends much less on it, so "cpu share" (the ceiling's µs per token
 * over the target's) is printed beside the throughput share.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../test/support/server.js';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../test/support/services.js';
import { runAuditVolume } from './audit-volume.js';
import { childrenOf, cpuSpent, type ProcessGroups, readCpu } from './cpu.js';
import { runFootprint } from './footprint.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ALGS = (process.env.BENCH_ALGS ?? 'RS256,ES256,EdDSA').split(',');
const PROFILE_DIR = process.env.BENCH_PROFILE;
const BEFORE: TollgateVariant | null = process.env.BENCH_BEFORE
  ? { name: 'before', checkout: process.env.BENCH_BEFORE, env: {} }
  : null;
const CONNECTIONS = 64;
/**
 * The per-token CPU budget comes from the saturating rounds, or with BENCH_BUDGET_RATE (tokens/s) from
 * extra rounds at that fixed rate, the same for every target, with fewer connections. Under saturation a
 * target's CPU per token depends on the throughput it gets (batching grows with it, and so with the
 * machine's other load); at a low fixed rate, per-request wakeups and timers weigh more instead.
 */
const BUDGET_RATE = process.env.BENCH_BUDGET_RATE ? Number(process.env.BENCH_BUDGET_RATE) : null;
const RATE_CONNECTIONS = 16;
const ADMIN_ID = 'bench-admin';
const ADMIN_SECRET = randomBytes(32).toString('base64url');
/** The issue's targets: Tollgate's share of the signing ceiling. */
const TARGET_PERCENT: Record<string, number> = { RS256: 85, ES256: 60 };
const CEILING_SESSION_PREFIX = 'ceiling:s:';

interface Target {
  readonly name: string;
  readonly baseUrl: string;
  readonly authorization: string;
  /** The processes whose CPU each of this target's tokens costs, by group. */
  readonly processes: ProcessGroups;
  stop(): Promise<void>;
}

interface RoundResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly failed: number;
  /** µs of CPU per process group during the round. */
  readonly cpu: Record<string, number>;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const load1 = () => loadavg()[0]!.toFixed(1);

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Resource servers fetch the JWKS (and discovery) from every worker in production, and serving them can
 * change a worker (oidc-provider's request context), so each target's workers serve it before it is
 * measured: one request per connection, which the cluster deals out round robin.
 */
async function fetchJwksOnEveryWorker(base: string): Promise<void> {
  for (let request = 0; request < 4 * availableParallelism(); request += 1) {
    await (await fetch(`${base}/jwks`, { headers: { connection: 'close' } })).arrayBuffer();
  }
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

interface BenchRedis {
  readonly url: string;
  readonly pid: number;
  readonly client: Redis;
  stop(): Promise<void>;
}

/** A redis-server of the benchmark's own, as Tollgate would have in production: nothing else uses it. */
async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    client,
    async stop() {
      client.disconnect();
      await stopChild(child);
    },
  };
}

const serverProcesses = (child: ChildProcess): ProcessGroups => ({
  server: () => [child.pid!, ...childrenOf(child.pid!)],
  'load generator': () => [process.pid],
});

async function startCeiling(alg: string, redis: BenchRedis): Promise<Target> {
  const port = await freePort();
  const child = fork('dist/bench/ceiling.js', {
    env: {
      ...process.env,
      PORT: String(port),
      ALG: alg,
      CLIENT_ID: 'bench',
      CLIENT_SECRET: 'bench-secret',
      REDIS_URL: redis.url,
      SESSION_PREFIX: CEILING_SESSION_PREFIX,
    },
    stdio: 'ignore',
  });
  await waitFor(`http://127.0.0.1:${port}/jwks`, child);
  return {
    name: 'ceiling',
    baseUrl: `http://127.0.0.1:${port}`,
    authorization: basic('bench', 'bench-secret'),
    processes: { ...serverProcesses(child), redis: () => [redis.pid] },
    stop: () => stopChild(child),
  };
}

async function startBaseline(alg: string): Promise<Target> {
  const port = await freePort();
  const child = fork('dist/bench/baseline.js', {
    env: { ...process.env, PORT: String(port), ALG: alg, CLIENT_ID: 'bench', CLIENT_SECRET: 'bench-secret' },
    stdio: 'ignore',
  });
  await waitFor(`http://127.0.0.1:${port}/jwks`, child);
  return {
    name: 'oidc-provider',
    baseUrl: `http://127.0.0.1:${port}`,
    authorization: basic('bench', 'bench-secret'),
    processes: serverProcesses(child),
    stop: () => stopChild(child),
  };
}

interface TollgateTarget extends Target {
  readonly clientId: string;
  /** Whether every token's token.issued event is a row (AUDIT_TOKEN_EVENTS=database). */
  readonly auditsTokens: boolean;
  createClient(role: string, fields?: Record<string, unknown>): Promise<{ client_id: string; client_secret: string }>;
  /** Stops the server process, keeping its database for auditRows; stop() removes the rest. */
  shutdown(): Promise<void>;
  auditRows(type: string): Promise<number>;
}

/** A Tollgate build to bench: this checkout by default, `before` (BENCH_BEFORE), or this one configured otherwise. */
interface TollgateVariant {
  readonly name: string;
  readonly checkout: string;
  readonly env: Readonly<Record<string, string>>;
}

const THIS_BUILD: TollgateVariant = { name: 'tollgate', checkout: '.', env: {} };
/** Token events as log lines only (a documented setting for high token rates): the rest of the path unchanged. */
const AUDIT_TO_LOG: TollgateVariant = { name: 'tollgate (log)', checkout: '.', env: { AUDIT_TOKEN_EVENTS: 'log' } };

async function startTollgate(alg: string, redis: BenchRedis, variant = THIS_BUILD): Promise<TollgateTarget> {
  const { checkout } = variant;
  const port = await freePort();
  const database = await createTestDatabase();
  const databaseName = new URL(database.url).pathname.slice(1);
  const keysDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', join(PROFILE_DIR, alg)] : []),
      join(checkout, 'dist/src/main.js'),
    ],
    {
      env: {
        ...process.env,
        PORT: String(port),
        ISSUER: base,
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        SIGNING_ALG: alg,
        INITIAL_ADMIN_CLIENT_ID: ADMIN_ID,
        INITIAL_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
        KEYS_DIR: keysDir,
        // The benchmark issues far more tokens than a real client would hold, or obtain per minute.
        MAX_SESSIONS_PER_CLIENT: '0',
        RATE_LIMIT_TOKENS_PER_CLIENT: '0',
        ...variant.env,
      },
      stdio: 'ignore',
    },
  );
  await waitFor(`${base}/jwks`, child);
  await fetchJwksOnEveryWorker(base);
  const tokenResponse = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { authorization: basic(ADMIN_ID, ADMIN_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: adminToken } = (await tokenResponse.json()) as { access_token: string };
  const createClient = async (role: string, fields: Record<string, unknown> = {}) => {
    const created = await fetch(`${base}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench ${role}`, role, ...fields }),
    });
    return (await created.json()) as { client_id: string; client_secret: string };
  };
  const client = await createClient('analyst');
  const postgres = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await postgres.connect();
  const backends = async () =>
    (
      await postgres.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [databaseName])
    ).rows.map((row) => row.pid);
  return {
    name: variant.name,
    auditsTokens: variant.env.AUDIT_TOKEN_EVENTS !== 'log',
    baseUrl: base,
    clientId: client.client_id,
    createClient,
    authorization: basic(client.client_id, client.client_secret),
    processes: {
      workers: () => childrenOf(child.pid!),
      primary: () => [child.pid!],
      redis: () => [redis.pid],
      postgres: backends,
      'load generator': () => [process.pid],
    },
    async auditRows(type: string) {
      const own = new pg.Client({ connectionString: database.url });
      await own.connect();
      try {
        const { rows } = await own.query<{ n: string }>('select count(*) as n from audit_events where type = $1', [
          type,
        ]);
        return Number(rows[0]!.n);
      } finally {
        await own.end();
      }
    },
    shutdown: () => stopChild(child),
    async stop() {
      await stopChild(child);
      await postgres.end().catch(() => undefined);
      await database.drop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

type Requests = NonNullable<autocannon.Options['requests']>;

/** Saturating load (as fast as the target answers), or `rate` requests per second in all. */
async function load(
  target: Target,
  path: string,
  seconds: number,
  requests?: Requests,
  rate?: number,
): Promise<RoundResult> {
  const before = await readCpu(target.processes);
  const result = await autocannon({
    url: `${target.baseUrl}${path}`,
    method: 'POST',
    connections: rate ? RATE_CONNECTIONS : CONNECTIONS,
    ...(rate ? { overallRate: rate } : {}),
    duration: seconds,
    headers: { authorization: target.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    ...(requests ? { requests } : {}),
  });
  const cpu = cpuSpent(before, await readCpu(target.processes));
  return {
    perSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    cpu,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summarise(rounds: RoundResult[]) {
  const ok = rounds.reduce((sum, r) => sum + r.ok, 0);
  const cpuPerToken: Record<string, number> = {};
  for (const round of rounds)
    for (const [group, us] of Object.entries(round.cpu)) cpuPerToken[group] = (cpuPerToken[group] ?? 0) + us / ok;
  return {
    perSecond: median(rounds.map((r) => r.perSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    ok,
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
    cpuPerToken,
    cpuTotal: Object.values(cpuPerToken).reduce((sum, us) => sum + us, 0),
  };
}

type Summary = ReturnType<typeof summarise>;

const row = (label: string, name: string, s: Summary, note: string) =>
  `${label.padEnd(14)} ${name.padEnd(14)} ${s.perSecond.toFixed(0).padStart(8)} ${String(s.p50).padStart(6)} ${String(s.p99).padStart(6)} ${String(s.failed).padStart(7)}  ${note}`;

const percentOf = (s: Summary, ceiling: Summary) =>
  `${((100 * s.perSecond) / ceiling.perSecond).toFixed(0).padStart(3)} %`;

/** The ceiling's CPU per token over the target's: the throughput share the target would have on idle cores. */
const cpuShare = (s: Summary, ceiling: Summary) =>
  `${((100 * ceiling.cpuTotal) / s.cpuTotal).toFixed(0).padStart(3)} %`;

/**
 * The highest cpu share a target could reach if it did nothing around the signature but what it must
 * store per token: the ceiling's CPU per token plus the target's own Redis and Postgres CPU per token.
 */
function storageBoundLine(name: string, s: Summary, ceiling: Summary): string {
  const stores = ['redis', 'postgres'].map((group) => s.cpuPerToken[group] ?? 0);
  const bound = (100 * ceiling.cpuTotal) / (ceiling.cpuTotal + stores[0]! + stores[1]!);
  return `${''.padEnd(14)} ${name.padEnd(14)} at most ${bound.toFixed(0)} % cpu share with no work of its own: the ceiling's ${ceiling.cpuTotal.toFixed(0)} µs plus its Redis ${stores[0]!.toFixed(0)} and Postgres ${stores[1]!.toFixed(0)} µs per token`;
}

/** µs of CPU per token in each process group, with the total. */
function budgetLine(name: string, s: Summary): string {
  const parts = Object.entries(s.cpuPerToken).map(([group, us]) => `${group} ${us.toFixed(0)}`);
  return `${''.padEnd(14)} ${name.padEnd(14)} total ${s.cpuTotal.toFixed(0).padStart(5)}: ${parts.join(', ')}`;
}

/** Calls and µs per call of each Redis command between resets, accumulated over Tollgate's rounds. */
class CommandStats {
  private readonly totals = new Map<string, { calls: number; usec: number }>();
  /** Socket reads and writes Redis made: each read takes one write of a client, a whole pipeline. */
  private readonly io = { reads: 0, writes: 0 };

  constructor(private readonly redis: Redis) {}

  async reset(): Promise<void> {
    await this.redis.config('RESETSTAT');
  }

  async collect(): Promise<void> {
    const stats = await this.redis.info('stats');
    this.io.reads += Number(/total_reads_processed:(\d+)/.exec(stats)?.[1] ?? 0);
    this.io.writes += Number(/total_writes_processed:(\d+)/.exec(stats)?.[1] ?? 0);
    const info = await this.redis.info('commandstats');
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const entry = this.totals.get(match[1]!) ?? { calls: 0, usec: 0 };
      entry.calls += Number(match[2]);
      entry.usec += Number(match[3]);
      this.totals.set(match[1]!, entry);
    }
  }

  lines(tokens: number): string[] {
    const io = `${''.padEnd(14)} redis socket reads ${(this.io.reads / tokens).toFixed(2)}/token, writes ${(this.io.writes / tokens).toFixed(2)}/token`;
    const commands = [...this.totals.entries()]
      .filter(([, { calls }]) => calls >= tokens / 100)
      .sort(([, a], [, b]) => b.usec - a.usec)
      .map(
        ([command, { calls, usec }]) =>
          `${''.padEnd(14)} redis ${command.padEnd(12)} ${(calls / tokens).toFixed(2)} calls/token, ${(usec / calls).toFixed(1)} µs/call, ${(usec / tokens).toFixed(1)} µs/token`,
      );
    return [io, ...commands];
  }
}

/** Every token's session in Redis and, as configured, its token.issued row in Postgres; stops the server to count the rows. */
async function checkGuarantees(tollgate: TollgateTarget, redis: BenchRedis, counted: number): Promise<string[]> {
  const sessions = await redis.client.zcard(`tg:{${tollgate.clientId}}:idx`);
  // autocannon stops counting with up to one request per connection still in flight; those tokens
  // were issued (and tracked) too, so Redis may hold slightly more sessions than were counted.
  const inFlightAtStops = CONNECTIONS * (ROUNDS + 1) + (BUDGET_RATE ? RATE_CONNECTIONS * ROUNDS : 0);
  const tracked = sessions >= counted && sessions - counted <= inFlightAtStops;
  // Once Tollgate has stopped: its workers write their audit queues before they exit. The admin's
  // token is audited too.
  await tollgate.shutdown();
  const audited = await tollgate.auditRows('token.issued');
  const label = `${''.padEnd(14)} ${tollgate.name.padEnd(14)}`;
  const sessionLine = `${label} sessions in Redis: ${sessions} for ${counted} tokens counted${tracked ? ' (every token tracked)' : ' (MISMATCH)'}`;
  if (!tollgate.auditsTokens)
    return [
      sessionLine,
      `${label} token.issued audit rows: ${audited}${audited === 0 ? ' (AUDIT_TOKEN_EVENTS=log: log lines only)' : ' (MISMATCH)'}`,
    ];
  const auditedAll = audited >= counted + 1 && audited - counted - 1 <= inFlightAtStops;
  return [
    sessionLine,
    `${label} token.issued audit rows: ${audited} for ${counted + 1} tokens counted${auditedAll ? ' (every token audited)' : ' (MISMATCH)'}`,
  ];
}

async function benchAlgorithm(alg: string, redis: BenchRedis): Promise<string[]> {
  const ceiling = await startCeiling(alg, redis);
  const baseline = await startBaseline(alg);
  const tollgate = await startTollgate(alg, redis);
  const tollgates = [tollgate, await startTollgate(alg, redis, AUDIT_TO_LOG)];
  if (BEFORE) tollgates.push(await startTollgate(alg, redis, BEFORE));
  try {
    const targets = [ceiling, baseline, ...tollgates];
    const results = new Map<Target, RoundResult[]>(targets.map((target) => [target, []]));
    const stats = new CommandStats(redis.client);
    const counted = new Map<Target, number>();
    const budgets = new Map<Target, RoundResult[]>(targets.map((target) => [target, []]));
    for (const target of targets) counted.set(target, (await load(target, '/token', 2)).ok);
    const loads: string[] = [];
    const count = (target: Target, result: RoundResult) => {
      counted.set(target, counted.get(target)! + result.ok);
      return result;
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const target of targets) {
        if (target === tollgate && !BUDGET_RATE) await stats.reset();
        results.get(target)!.push(count(target, await load(target, '/token', SECONDS)));
        if (target === tollgate && !BUDGET_RATE) await stats.collect();
      }
      loads.push(load1());
    }
    for (let round = 0; round < (BUDGET_RATE ? ROUNDS : 0); round += 1)
      for (const target of targets) {
        if (target === tollgate) await stats.reset();
        budgets.get(target)!.push(count(target, await load(target, '/token', SECONDS, undefined, BUDGET_RATE!)));
        if (target === tollgate) await stats.collect();
      }
    const summary = (target: Target) => summarise(results.get(target)!);
    const budget = (target: Target) => summarise((BUDGET_RATE ? budgets : results).get(target)!);
    const top = summary(ceiling);
    const goal = TARGET_PERCENT[alg];
    const share = (target: Target) =>
      `${percentOf(summary(target), top)}, cpu ${cpuShare(budget(target), budget(ceiling))} of ceiling`;
    const lines = [
      row(alg, 'ceiling', top, `100 %   load ${loads.join(' / ')}`),
      row('', 'oidc-provider', summary(baseline), share(baseline)),
      ...tollgates.map((target) =>
        row('', target.name, summary(target), `${share(target)}${goal ? ` (target >= ${goal} %)` : ''}`),
      ),
    ];
    for (const target of tollgates) lines.push(...(await checkGuarantees(target, redis, counted.get(target)!)));
    lines.push(`${''.padEnd(14)} cpu µs per token, ${BUDGET_RATE ? `at ${BUDGET_RATE} tokens/s` : 'saturated'}:`);
    for (const target of targets) lines.push(budgetLine(target.name, budget(target)));
    for (const target of tollgates) lines.push(storageBoundLine(target.name, budget(target), budget(ceiling)));
    lines.push(...stats.lines(budget(tollgate).ok));
    return lines;
  } finally {
    for (const target of tollgates) await target.stop();
    await baseline.stop();
    await ceiling.stop();
  }
}

/**
 * Single-use ES256 JWTs for one round, made before it so the load generator only sends them: DPoP proofs
 * (RFC 9449) or private_key_jwt client assertions (RFC 7523), each with its own jti.
 */
function es256Jwts(header: object, claims: () => object, count: number, key: KeyObject): string[] {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = encode(header);
  return Array.from({ length: count }, () => {
    const input = `${head}.${encode(claims())}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  });
}

/** Requests that each carry the next of `values`, as `setRequest` puts it. */
function eachWith(values: string[], setRequest: (request: autocannon.Request, value: string) => autocannon.Request) {
  let next = 0;
  return [
    {
      setupRequest: (request: autocannon.Request) => {
        next += 1;
        return setRequest(request, values[next % values.length]!);
      },
    },
  ];
}

/**
 * ES256 on one Tollgate, same rounds: a secret client's bearer tokens, DPoP-bound tokens (a fresh proof per
 * request) and a private_key_jwt client (a fresh assertion per request, no Authorization header). The
 * proof or assertion costs one ES256 verification and one replay-cache SET NX per token.
 */
async function benchClientAuthentication(redis: BenchRedis): Promise<string[]> {
  const tollgate = await startTollgate('ES256', redis);
  try {
    const tokenUrl = `${tollgate.baseUrl}/token`;
    const now = () => Math.floor(Date.now() / 1000);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' };
    const dpopClient = await tollgate.createClient('analyst');
    const keyClient = await tollgate.createClient('analyst', {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    const dpop = {
      ...tollgate,
      name: 'DPoP-bound',
      authorization: basic(dpopClient.client_id, dpopClient.client_secret),
    };
    const jwt = { ...tollgate, name: 'private_key_jwt' };
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    const proofs = (count: number) =>
      es256Jwts(
        { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } },
        () => ({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat: now() }),
        count,
        privateKey,
      );
    const assertions = (count: number) =>
      es256Jwts(
        { alg: 'ES256', kid: 'bench' },
        () => ({
          iss: keyClient.client_id,
          sub: keyClient.client_id,
          aud: tollgate.baseUrl,
          jti: randomUUID(),
          iat: now(),
          exp: now() + 120,
        }),
        count,
        privateKey,
      );
    const withProof = (values: string[]) =>
      eachWith(values, (request, proof) => ({ ...request, headers: { ...request.headers, dpop: proof } }));
    const withAssertion = (values: string[]) =>
      eachWith(values, (request, assertion) => {
        const { authorization: _none, ...headers } = request.headers ?? {};
        const body = `grant_type=client_credentials&client_id=${keyClient.client_id}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${assertion}`;
        return { ...request, headers, body };
      });
    const results = new Map<Target, RoundResult[]>([
      [tollgate, []],
      [dpop, []],
      [jwt, []],
    ]);
    let expected = (await load(tollgate, '/token', 2)).perSecond;
    await load(dpop, '/token', 2, withProof(proofs(Math.ceil(expected * 2 * 2))));
    await load(jwt, '/token', 2, withAssertion(assertions(Math.ceil(expected * 2 * 2))));
    for (let round = 0; round < ROUNDS; round += 1) {
      const bearer = await load(tollgate, '/token', SECONDS);
      expected = Math.max(bearer.perSecond, 500);
      results.get(tollgate)!.push(bearer);
      results
        .get(dpop)!
        .push(await load(dpop, '/token', SECONDS, withProof(proofs(Math.ceil(expected * SECONDS * 2)))));
      results
        .get(jwt)!
        .push(await load(jwt, '/token', SECONDS, withAssertion(assertions(Math.ceil(expected * SECONDS * 2)))));
    }
    const bearer = summarise(results.get(tollgate)!);
    const ratio = (s: Summary) =>
      `${(s.perSecond / bearer.perSecond).toFixed(2)}x bearer, cpu ${((100 * bearer.cpuTotal) / s.cpuTotal).toFixed(0)} % of bearer`;
    return [
      'client authentication and sender constraints, ES256, same server and rounds:',
      row('ES256', 'bearer secret', bearer, '1.00x'),
      row('', 'DPoP-bound', summarise(results.get(dpop)!), ratio(summarise(results.get(dpop)!))),
      row('', 'private_key_jwt', summarise(results.get(jwt)!), ratio(summarise(results.get(jwt)!))),
    ];
  } finally {
    await tollgate.stop();
  }
}

const INTROSPECTED_TOKENS = 2_000;

async function tokensFrom(target: Target): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < INTROSPECTED_TOKENS) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await fetch(`${target.baseUrl}/token`, {
          method: 'POST',
          headers: { authorization: target.authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        return ((await response.json()) as { access_token: string }).access_token;
      }),
    );
    tokens.push(...batch);
  }
  return tokens;
}

/** Autocannon requests introspecting `tokens` in turn, counting active answers. */
function cycling(tokens: string[], counts: { active: number; answered: number }): Requests {
  let next = 0;
  return [
    {
      setupRequest: (request) => {
        next += 1;
        return { ...request, body: `token=${tokens[next % tokens.length]}` };
      },
      onResponse: (_status, body) => {
        counts.answered += 1;
        if (body.startsWith('{"active":true')) counts.active += 1;
      },
    },
  ];
}

/** Introspection of RS256 tokens by a resource server, cycling through many distinct live tokens, beside its ceiling. */
async function benchIntrospection(redis: BenchRedis): Promise<string[]> {
  const ceiling = await startCeiling('RS256', redis);
  const tollgates = [await startTollgate('RS256', redis)];
  if (BEFORE) tollgates.push(await startTollgate('RS256', redis, BEFORE));
  try {
    const ceilingTokens = await tokensFrom(ceiling);
    // The ceiling's sessions: the one Redis GET per introspection finds them.
    await redis.client.mset(
      ...ceilingTokens.flatMap((token) => {
        const { jti } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string };
        return [`${CEILING_SESSION_PREFIX}${jti}`, '1'];
      }),
    );
    const counts = new Map<Target, { active: number; answered: number }>();
    const requests = new Map<Target, Requests>();
    const results = new Map<Target, RoundResult[]>();
    const add = (target: Target, tokens: string[]) => {
      counts.set(target, { active: 0, answered: 0 });
      requests.set(target, cycling(tokens, counts.get(target)!));
      results.set(target, []);
    };
    add(ceiling, ceilingTokens);
    for (const tollgate of tollgates) {
      const tokens = await tokensFrom(tollgate);
      const resourceServer = await tollgate.createClient('resource-server');
      add({ ...tollgate, authorization: basic(resourceServer.client_id, resourceServer.client_secret) }, tokens);
    }
    for (const target of results.keys()) await load(target, '/token/introspection', 2, requests.get(target));
    const loads: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const target of results.keys())
        results.get(target)!.push(await load(target, '/token/introspection', SECONDS, requests.get(target)));
      loads.push(load1());
    }
    const top = summarise(results.get(ceiling)!);
    const servers = [...results.keys()].filter((target) => target !== ceiling);
    return [
      row('introspection', 'ceiling', top, `100 %   load ${loads.join(' / ')}`),
      ...servers.map((target, i) => {
        const ours = summarise(results.get(target)!);
        return row(
          i === 0 ? 'RS256' : '',
          target.name,
          ours,
          `${percentOf(ours, top)}, cpu ${cpuShare(ours, top)} of ceiling`,
        );
      }),
      ...servers.map(
        (target) =>
          `${''.padEnd(14)} ${target.name.padEnd(14)} ${counts.get(target)!.active} of ${counts.get(target)!.answered} answers active (every token introspected is live)`,
      ),
      `${''.padEnd(14)} cpu µs per introspection, saturated:`,
      ...[...results.keys()].map((target) => budgetLine(target.name, summarise(results.get(target)!))),
    ];
  } finally {
    for (const tollgate of tollgates) await tollgate.stop();
    await ceiling.stop();
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  try {
    console.log(
      `token endpoint, ${CONNECTIONS} keep-alive connections, ${ROUNDS} alternating rounds of ${SECONDS} s (medians); load = 1-minute load average after each round`,
    );
    console.log(
      `${'alg'.padEnd(14)} ${'server'.padEnd(14)} ${'tokens/s'.padStart(8)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'errors'.padStart(7)}  share of the ceiling`,
    );
    for (const alg of ALGS) for (const line of await benchAlgorithm(alg, redis)) console.log(line);
    if (process.env.BENCH_INTROSPECTION !== '0') for (const line of await benchIntrospection(redis)) console.log(line);
    if (process.env.BENCH_CLIENT_AUTH !== '0')
      for (const line of await benchClientAuthentication(redis)) console.log(line);
  } finally {
    await redis.stop();
  }
  for (const line of await runAuditVolume()) console.log(line);
  for (const line of await runFootprint()) console.log(line);
}

await main();
