import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import type { AuditEvent } from '../../src/audit/event.js';
import { AuditStore } from '../../src/audit/store.js';
import { type Environment, loadConfig } from '../../src/config/config.js';
import { JOB_TIMINGS_VARIABLE, type JobTimings } from '../../src/config/job-timings.js';
import { openDatabase } from '../../src/db/database.js';
import { prepareDeployment } from '../../src/deployment/prepare.js';
import { encryptPrivateKey } from '../../src/keys/envelope.js';
import { generateSigningKey } from '../../src/keys/generate.js';
import { KeyStore } from '../../src/keys/store.js';
import { createLogger } from '../../src/observability/logger.js';
import { fetchJwks } from '../support/keys.js';
import { sample, scrape } from '../support/metrics.js';
import { adminToken, api, basicAuth, createClient, tokenFor } from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { type ServerProcess, spawnServer } from '../support/processes.js';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  freePort,
  TEST_KEY_ENCRYPTION_KEY,
  temporaryDirectory,
} from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

/**
 * The real server process, as `npm start` runs it, across the first runs of every background job, in
 * both modes. The jobs' timings are shortened through the internal TOLLGATE_INTERNAL_JOB_TIMINGS so each
 * runs within seconds; the test waits for each job's effect, while a client keeps asking for /healthz
 * and for tokens, and none of those requests may fail. Then SIGTERM must still stop the server.
 */

const JOB_TIMINGS: JobTimings = {
  auditRetentionFirstRunMs: 2_000,
  auditRetentionIntervalMs: 3_000,
  lastUsedFlushIntervalMs: 1_000,
  keyPollIntervalMs: 1_000,
  activeSessionsMaxAgeMs: 500,
  policySnapshotTtlMs: 1_000,
};

const DAY_MS = 86_400_000;
/** More than two of retention's 5 000-row chunks, so a sweep takes several rounds. */
const AGED_EVENTS = 12_000;
const AGED_TYPE = 'soak.aged';
/** Far beyond any answer a live server gives; only a server that stopped answering reaches it. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Mode {
  readonly name: string;
  /** Environment of the server (and of the seeding before it starts), and what to drop afterwards. */
  prepare(cwd: string): Promise<{ env: Environment; drop(): Promise<void> }>;
}

const MODES: readonly Mode[] = [
  {
    name: 'embedded (no DATABASE_URL, no REDIS_URL)',
    prepare: async (cwd) => ({ env: { DATA_DIR: join(cwd, 'data') }, drop: async () => undefined }),
  },
  {
    name: 'shared (Postgres + Redis, two workers)',
    prepare: async () => {
      const database: TestDatabase = await createTestDatabase();
      return { env: { DATABASE_URL: database.url, REDIS_URL, WORKERS: '2' }, drop: () => database.drop() };
    },
  },
];

function agedEvent(at: Date): AuditEvent {
  return {
    id: randomUUID(),
    at,
    type: AGED_TYPE,
    actor: null,
    client_id: null,
    organization_id: null,
    ip: null,
    request_id: null,
    details: {},
  };
}

interface Seeded {
  readonly expiredKid: string;
  readonly adminLastUsedAt: Date;
}

/**
 * What a deployment that has run for a while holds, written before the server starts: audit events past
 * their retention, a retired key whose tokens have all expired, an admin last used two hours ago.
 */
async function seed(env: Environment): Promise<Seeded> {
  const config = loadConfig(env);
  const db = openDatabase(config);
  try {
    await prepareDeployment(db, config, createLogger('silent'), () => undefined);
    const audit = new AuditStore(db);
    const longAgo = new Date(Date.now() - 200 * DAY_MS);
    for (let start = 0; start < AGED_EVENTS; start += 1_000)
      await audit.insert(Array.from({ length: 1_000 }, () => agedEvent(longAgo)));

    const keys = new KeyStore(db);
    const key = await generateSigningKey('ES256');
    const pkcs8 = key.privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = encryptPrivateKey(Buffer.from(TEST_KEY_ENCRYPTION_KEY, 'base64'), key.kid, pkcs8);
    await keys.withLock(async (trx, now) => {
      const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
      await keys.insert(trx, {
        kid: key.kid,
        alg: 'ES256',
        status: 'retired',
        public_jwk: key.publicJwk,
        private_key_ciphertext: sealed,
        created_at: daysAgo(3),
        activated_at: daysAgo(3),
      });
      await keys.update(trx, key.kid, { retired_at: daysAgo(2), expires_at: daysAgo(1) });
    });

    const adminLastUsedAt = new Date(Date.now() - 2 * 3_600_000);
    await db('api_clients').where({ client_id: ADMIN_CLIENT_ID }).update({ last_used_at: adminLastUsedAt });
    return { expiredKid: key.kid, adminLastUsedAt };
  } finally {
    await db.destroy();
  }
}

/** A user of the server: a health check and a token request, over and over, each one bounded in time. */
class SteadyTraffic {
  healthy = 0;
  tokens = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly client: { client_id: string; client_secret: string },
  ) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.round();
      // Pacing, so the traffic is steady rather than a flood.
      await pause(100);
    }
  }

  private async round(): Promise<void> {
    try {
      const health = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await health.arrayBuffer();
      if (health.status === 200) this.healthy += 1;
      else this.failures.push(`/healthz answered ${health.status}`);
      const token = await fetch(`${this.url}/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(this.client.client_id, this.client.client_secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await token.text();
      if (token.status === 200) this.tokens += 1;
      else this.failures.push(`/token answered ${token.status}: ${body}`);
    } catch (error) {
      this.failures.push(`request failed: ${(error as Error).message}`);
    }
  }
}

function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const withMessage = (server: ServerProcess, msg: string) => logLines(server).filter((line) => line.msg === msg);

/** SIGTERM, and the exit code; a server that does not exit within 15 s is killed and reported. */
async function stopWithin15s(server: ServerProcess): Promise<number | null | 'still running'> {
  const deadline = new AbortController();
  // Aborted once the race is decided, so the timer does not keep the test process alive; nothing reads it then.
  const stillRunning = pause(15_000, 'still running' as const, { signal: deadline.signal }).catch(
    () => 'still running' as const,
  );
  const outcome = await Promise.race([server.stop(), stillRunning]);
  deadline.abort();
  if (outcome === 'still running') server.child.kill('SIGKILL');
  return outcome;
}

describe.each(MODES)('soak: the real server across the first run of every background job, $name', (mode) => {
  it('keeps answering /healthz and issuing tokens while every job runs, and stops on SIGTERM', async () => {
    const cwd = temporaryDirectory('soak');
    const { env: modeEnv, drop } = await mode.prepare(cwd);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Environment = {
      PORT: String(port),
      ISSUER: url,
      INITIAL_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
      INITIAL_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
      KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
      KEYS_DIR: join(cwd, 'keys'),
      SIGNING_ALG: 'ES256',
      AUDIT_RETENTION_DAYS: '90',
      LOG_LEVEL: 'debug',
      RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '0',
      RATE_LIMIT_AUTH_FAILURES_PER_IP: '0',
      RATE_LIMIT_TOKENS_PER_CLIENT: '0',
      [JOB_TIMINGS_VARIABLE]: JSON.stringify(JOB_TIMINGS),
      ...modeEnv,
    };
    let server: ServerProcess | undefined;
    let traffic: SteadyTraffic | undefined;
    try {
      const seeded = await seed(env);
      server = await spawnServer(env, cwd);
      const running = server;
      const admin = await adminToken(url);
      // A custom role, so each token request reads the in-memory custom roles (built-in ones are code).
      expect((await api(url, admin, 'POST', '/roles', { name: 'soak-reader', scopes: ['soak:read'] })).status).toBe(
        201,
      );
      const steady = new SteadyTraffic(
        url,
        await createClient(url, admin, { name: 'steady traffic', role: 'soak-reader' }),
      );
      traffic = steady;

      // Audit retention: every aged event is gone, and the sweeps say how many they deleted.
      await waitFor('the retention sweep to delete the aged events', 20_000, async () => {
        const { body } = await api<{ items: unknown[] }>(url, admin, 'GET', `/audit-events?type=${AGED_TYPE}&limit=1`);
        return body.items.length === 0;
      });
      const pruned = () =>
        withMessage(running, 'pruned audit events past their retention').reduce(
          (sum, line) => sum + (line.deleted as number),
          0,
        );
      // Log lines reach stdout through pino's buffer, a moment after the sweep.
      await waitFor('the sweeps to log what they deleted', 20_000, async () => pruned() >= AGED_EVENTS);
      expect(pruned()).toBe(AGED_EVENTS);

      // Key poll and maintenance: the retired key whose tokens have all expired is deleted and unpublished.
      await waitFor('the key poll to delete the expired key', 20_000, async () =>
        withMessage(running, 'deleted retired signing keys whose tokens have expired').some((line) =>
          (line.kids as string[]).includes(seeded.expiredKid),
        ),
      );
      expect((await fetchJwks(url)).kids).not.toContain(seeded.expiredKid);

      // Last-used flush: the admin's later use is written by the batch; a new client's first use at once.
      await waitFor("the last-used flush to move the admin's last_used_at", 20_000, async () => {
        const { body } = await api<{ last_used_at: string }>(url, admin, 'GET', `/clients/${ADMIN_CLIENT_ID}`);
        return Date.parse(body.last_used_at) > seeded.adminLastUsedAt.getTime() + 3_600_000;
      });
      const newcomer = await createClient(url, admin, { name: 'first use', role: 'read-only' });
      await tokenFor(url, newcomer);
      await waitFor(
        "the newcomer's first use",
        20_000,
        async () => (await api(url, admin, 'GET', `/clients/${newcomer.client_id}`)).body.last_used_at,
      );

      // Active-sessions census: recounted as tokens accumulate, not stuck at its first count.
      const issuedSoFar = steady.tokens;
      await waitFor(
        'the session census to count the tokens issued so far',
        20_000,
        async () => (sample(await scrape(url), 'tollgate_active_sessions') ?? 0) >= issuedSoFar,
      );

      // Cache refreshes: the in-memory roles and API switches reload once their TTL has passed.
      await waitFor('the roles and API switches to reload', 20_000, async () => {
        const reloaded = new Set(withMessage(running, 'reloaded an in-memory snapshot').map((line) => line.snapshot));
        return reloaded.has('custom roles') && reloaded.has('API switches');
      });

      // Still answering after all of it.
      const tokensAfterJobs = steady.tokens;
      await waitFor('tokens issued after every job ran', 20_000, async () => steady.tokens >= tokensAfterJobs + 5);
      await steady.stop();
      expect(steady.failures).toEqual([]);
      expect(steady.healthy).toBeGreaterThan(0);
      expect(await stopWithin15s(running)).toBe(0);
      expect(withMessage(running, 'stopped').length).toBeGreaterThan(0);
    } finally {
      await traffic?.stop();
      if (server?.child.exitCode === null) server.child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
      await drop();
    }
  }, 120_000);
});
