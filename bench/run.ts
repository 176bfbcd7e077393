/**
 * `npm run bench`: Tollgate against plain oidc-provider on this machine, in the same run, alternating
 * rounds so that both see the same background noise. Prints tokens/s, p50 and p99 for RS256 and ES256
 * and Tollgate's ratio to the baseline (for ES256 also DPoP-bound tokens with ES256 proofs), and checks that every token Tollgate issued has its session in
 * Redis and that no request failed.
 *
 * Needs PostgreSQL and Redis as in the README (TEST_POSTGRES_URL / TEST_REDIS_URL override them).
 * BENCH_SECONDS (default 5) and BENCH_ROUNDS (default 3) set the length of a run.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/server.js';
import { createTestDatabase, REDIS_URL } from '../test/support/services.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 64;
const ADMIN_ID = 'bench-admin';
const ADMIN_SECRET = randomBytes(32).toString('base64url');

interface Target {
  readonly name: string;
  readonly tokenUrl: string;
  readonly authorization: string;
  stop(): Promise<void>;
}

interface RoundResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly failed: number;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
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

async function startBaseline(alg: string): Promise<Target> {
  const port = await freePort();
  const child = fork('dist/bench/baseline.js', {
    env: { ...process.env, PORT: String(port), ALG: alg, CLIENT_ID: 'bench', CLIENT_SECRET: 'bench-secret' },
    stdio: 'ignore',
  });
  await waitFor(`http://127.0.0.1:${port}/jwks`, child);
  return {
    name: 'oidc-provider',
    tokenUrl: `http://127.0.0.1:${port}/token`,
    authorization: basic('bench', 'bench-secret'),
    stop: () => stopChild(child),
  };
}

interface TollgateTarget extends Target {
  readonly baseUrl: string;
  readonly clientId: string;
  createClient(role: string): Promise<{ client_id: string; client_secret: string }>;
}

async function startTollgate(alg: string): Promise<TollgateTarget> {
  const port = await freePort();
  const database = await createTestDatabase();
  const keysDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      ISSUER: base,
      DATABASE_URL: database.url,
      REDIS_URL,
      SIGNING_ALG: alg,
      INITIAL_ADMIN_CLIENT_ID: ADMIN_ID,
      INITIAL_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      KEYS_DIR: keysDir,
      // The benchmark issues far more tokens than a real client would hold, or obtain per minute.
      MAX_SESSIONS_PER_CLIENT: '0',
      RATE_LIMIT_TOKENS_PER_CLIENT: '0',
    },
    stdio: 'ignore',
  });
  await waitFor(`${base}/jwks`, child);
  const tokenResponse = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { authorization: basic(ADMIN_ID, ADMIN_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token: adminToken } = (await tokenResponse.json()) as { access_token: string };
  const benchClients: string[] = [];
  const createClient = async (role: string) => {
    const created = await fetch(`${base}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench ${role}`, role }),
    });
    const client = (await created.json()) as { client_id: string; client_secret: string };
    benchClients.push(client.client_id);
    return client;
  };
  const client = await createClient('analyst');
  return {
    name: 'tollgate',
    baseUrl: base,
    clientId: client.client_id,
    createClient,
    tokenUrl: `${base}/token`,
    authorization: basic(client.client_id, client.client_secret),
    async stop() {
      // The benchmark's tokens would otherwise sit in Redis for their 24 hours.
      for (const id of benchClients)
        await fetch(`${base}/api/v1/clients/${id}/sessions`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${adminToken}` },
        });
      await stopChild(child);
      await database.drop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

async function load(target: Target, seconds: number): Promise<RoundResult> {
  const result = await autocannon({
    url: target.tokenUrl,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: target.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return {
    perSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * ES256 DPoP proofs (RFC 9449) for one round, made before it starts so the load generator only sends
 * them: one per request (each jti is single-use), fresh (their iat is checked), with one client key.
 */
function dpopProofs(tokenUrl: string, count: number): string[] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  const iat = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () => {
    const input = `${header}.${encode({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat })}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  });
}

/** Like `load`, each request with its own DPoP proof; `expected` tokens/s sizes the pool of proofs. */
async function loadWithDpop(target: TollgateTarget, seconds: number, expected: number): Promise<RoundResult> {
  const proofs = dpopProofs(target.tokenUrl, Math.ceil(Math.max(expected, 1_000) * seconds * 2));
  let next = 0;
  const result = await autocannon({
    url: target.tokenUrl,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: target.authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    requests: [
      {
        setupRequest: (request) => {
          next += 1;
          return { ...request, headers: { ...request.headers, dpop: proofs[next % proofs.length]! } };
        },
      },
    ],
  });
  return {
    perSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

const INTROSPECTED_TOKENS = 2_000;

/** Introspection of RS256 tokens by a resource server, cycling through many distinct live tokens. */
async function benchIntrospection(tollgate: TollgateTarget): Promise<string[]> {
  const resourceServer = await tollgate.createClient('resource-server');
  const tokens: string[] = [];
  while (tokens.length < INTROSPECTED_TOKENS) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await fetch(tollgate.tokenUrl, {
          method: 'POST',
          headers: { authorization: tollgate.authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        return ((await response.json()) as { access_token: string }).access_token;
      }),
    );
    tokens.push(...batch);
  }
  let next = 0;
  let active = 0;
  let answered = 0;
  const run = () =>
    autocannon({
      url: `${tollgate.baseUrl}/token/introspection`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: {
        authorization: basic(resourceServer.client_id, resourceServer.client_secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      requests: [
        {
          setupRequest: (request) => {
            next += 1;
            return { ...request, body: `token=${tokens[next % tokens.length]}` };
          },
          onResponse: (_status, body) => {
            answered += 1;
            if (body.startsWith('{"active":true')) active += 1;
          },
        },
      ],
    });
  await run();
  const rounds = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const result = await run();
    rounds.push({
      perSecond: result['2xx'] / SECONDS,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok: result['2xx'],
      failed: result.non2xx + result.errors + result.timeouts,
    });
  }
  const s = summarise(rounds);
  return [
    `RS256  introspection  ${s.perSecond.toFixed(0).padStart(8)} ${String(s.p50).padStart(6)} ${String(s.p99).padStart(6)} ${String(s.failed).padStart(7)}  target >= 8000/s, p99 < 20 ms`,
    `       ${active} of ${answered} answers active (every token introspected is live)`,
  ];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function summarise(rounds: RoundResult[]) {
  return {
    perSecond: median(rounds.map((r) => r.perSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    ok: rounds.reduce((sum, r) => sum + r.ok, 0),
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
  };
}

async function benchAlgorithm(alg: string, redis: Redis): Promise<string[]> {
  const baseline = await startBaseline(alg);
  const tollgate = await startTollgate(alg);
  try {
    const results: Record<string, RoundResult[]> = { baseline: [], tollgate: [], dpop: [] };
    // DPoP-bound tokens (ES256 proofs) in the same rounds as bearer ones, from their own client.
    const dpopClient = alg === 'ES256' ? await tollgate.createClient('analyst') : null;
    const dpopTarget = dpopClient && {
      ...tollgate,
      authorization: basic(dpopClient.client_id, dpopClient.client_secret),
    };
    await load(baseline, 2);
    const warmup = await load(tollgate, 2);
    if (dpopTarget) await loadWithDpop(dpopTarget, 2, warmup.perSecond);
    for (let round = 0; round < ROUNDS; round += 1) {
      results.baseline!.push(await load(baseline, SECONDS));
      const bearer = await load(tollgate, SECONDS);
      results.tollgate!.push(bearer);
      if (dpopTarget) results.dpop!.push(await loadWithDpop(dpopTarget, SECONDS, bearer.perSecond));
    }
    const base = summarise(results.baseline!);
    const ours = summarise(results.tollgate!);
    const sessions = await redis.zcard(`tg:{${tollgate.clientId}}:idx`);
    const issued = ours.ok + warmup.ok;
    // autocannon stops counting with up to one request per connection still in flight; those tokens
    // were issued (and tracked) too, so Redis may hold slightly more sessions than were counted.
    const inFlightAtStops = CONNECTIONS * (ROUNDS + 1);
    const tracked = sessions >= issued && sessions - issued <= inFlightAtStops;
    const row = (name: string, s: ReturnType<typeof summarise>, ratio: string) =>
      `${alg.padEnd(6)} ${name.padEnd(14)} ${s.perSecond.toFixed(0).padStart(8)} ${String(s.p50).padStart(6)} ${String(s.p99).padStart(6)} ${String(s.failed).padStart(7)}  ${ratio}`;
    const introspection = alg === 'RS256' ? await benchIntrospection(tollgate) : [];
    const dpop = dpopTarget ? summarise(results.dpop!) : null;
    return [
      row('oidc-provider', base, '1.00x'),
      row('tollgate', ours, `${(ours.perSecond / base.perSecond).toFixed(2)}x`),
      ...(dpop
        ? [
            row(
              'tollgate DPoP',
              dpop,
              `${(dpop.perSecond / base.perSecond).toFixed(2)}x (${(dpop.perSecond / ours.perSecond).toFixed(2)}x bearer)`,
            ),
          ]
        : []),
      `${''.padEnd(6)} sessions in Redis: ${sessions} for ${issued} tokens counted${tracked ? ' (every token tracked)' : ' (MISMATCH)'}`,
      ...introspection,
    ];
  } finally {
    await tollgate.stop();
    await baseline.stop();
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  console.log(
    `token endpoint, ${CONNECTIONS} keep-alive connections, ${ROUNDS} alternating rounds of ${SECONDS} s (medians)`,
  );
  console.log(
    `${'alg'.padEnd(6)} ${'server'.padEnd(14)} ${'tokens/s'.padStart(8)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'errors'.padStart(7)}  ratio`,
  );
  for (const alg of ['RS256', 'ES256']) for (const line of await benchAlgorithm(alg, redis)) console.log(line);
  redis.disconnect();
}

await main();
