import { CliContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { sample, scrape } from './metrics.js';
import {
  adminToken,
  api,
  type CreatedClient,
  claimsOf,
  createClient,
  introspect,
  requestToken,
  revoke,
  tokenFor,
} from './oauth.js';
import { waitFor } from './poll.js';
import type { RedisGroup } from './redis-topologies.js';
import { startTestServer, type TestServer } from './server.js';
import { createTestDatabase, type TestDatabase } from './services.js';

const TOKENS_PER_WINDOW = 3;
const FAILURES_PER_CLIENT_IP = 2;
const CLIENTS = 8;

/**
 * Tollgate's Redis-backed features, end to end, on two instances sharing one Redis group (a Cluster or a
 * Sentinel group, started once for the file): tokens, introspection, revocation, revoke-all, both limits,
 * the change feed, readiness, the session census and the CLI; last, a master is killed and service
 * comes back by itself.
 */
export function describeOnRedisGroup(name: string, startGroup: () => Promise<RedisGroup>): void {
  describe(`Tollgate on ${name}`, () => {
    let group: RedisGroup;
    let database: TestDatabase;
    let a: TestServer;
    let b: TestServer;
    let admin: string;
    let env: Record<string, string>;
    const clients: CreatedClient[] = [];
    /** The token each client got in the first test, by position. */
    let firstTokens: string[] = [];
    let issued = 0;

    beforeAll(async () => {
      [group, database] = await Promise.all([startGroup(), createTestDatabase()]);
      env = {
        ...(group.env as Record<string, string>),
        DATABASE_URL: database.url,
        ISSUER: 'http://tollgate.test',
        RATE_LIMIT_TOKENS_PER_CLIENT: String(TOKENS_PER_WINDOW),
        RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: String(FAILURES_PER_CLIENT_IP),
        // Only the change feed can tell an instance of a change within this test's run.
        CLIENT_CACHE_TTL: '300s',
      };
      a = await startTestServer(env);
      b = await startTestServer(env);
      admin = await adminToken(a.url);
      issued += 1;
      for (let i = 0; i < CLIENTS; i += 1) {
        clients.push(await createClient(a.url, admin, { name: `${name} client ${i}`, role: 'read-only' }));
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await Promise.all([group?.stop(), database?.drop()]);
    });

    it('issues tokens on one instance that the other introspects, with sessions on every master', async () => {
      const tokens = await Promise.all(clients.map((client) => tokenFor(a.url, client)));
      firstTokens = tokens;
      issued += tokens.length;
      for (const [i, token] of tokens.entries()) {
        const { status, body } = await introspect(b.url, clients[i]!.client_id, clients[i]!.client_secret, token);
        expect(status).toBe(200);
        expect(body).toMatchObject({ active: true, client_id: clients[i]!.client_id, jti: claimsOf(token).jti });
      }
      // The census counts across all masters (each client's index lives on its slot's master).
      expect(sample(await scrape(b.url), 'tollgate_active_sessions')).toBe(issued);
    });

    it('revokes one token, and all of a client’s tokens, for every instance', async () => {
      const [first, second] = [clients[0]!, clients[1]!];
      const token = await tokenFor(a.url, first);
      expect((await revoke(b.url, first.client_id, first.client_secret, token)).status).toBe(200);
      expect((await introspect(a.url, first.client_id, first.client_secret, token)).body).toEqual({ active: false });

      const tokens = [await tokenFor(a.url, second), await tokenFor(b.url, second)];
      const revoked = await api(a.url, admin, 'DELETE', `/clients/${second.client_id}/sessions`);
      expect(revoked.status).toBe(204);
      for (const each of tokens) {
        expect((await introspect(b.url, second.client_id, second.client_secret, each)).body).toEqual({
          active: false,
        });
      }
      const listed = await api<{ items: unknown[] }>(b.url, admin, 'GET', `/clients/${second.client_id}/sessions`);
      expect(listed.body.items).toEqual([]);
    });

    it('limits tokens per client and failed authentications across instances', async () => {
      const client = clients[2]!;
      // One token in the first test; the window (1 min) is shared by both instances.
      const statuses = [];
      for (let i = 0; i < TOKENS_PER_WINDOW; i += 1) {
        statuses.push((await requestToken(i % 2 ? a.url : b.url, client.client_id, client.client_secret)).status);
      }
      expect(statuses).toEqual([...Array(TOKENS_PER_WINDOW - 1).fill(200), 429]);

      const target = clients[3]!;
      for (let i = 0; i < FAILURES_PER_CLIENT_IP; i += 1) {
        expect((await requestToken(i % 2 ? a.url : b.url, target.client_id, 'wrong')).status).toBe(401);
      }
      const blocked = await requestToken(a.url, target.client_id, target.client_secret);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ error: 'slow_down' });
    });

    it('tells the other instance of an admin change at once (the change feed)', async () => {
      const client = clients[4]!;
      // b caches the client record for CLIENT_CACHE_TTL (300 s) ...
      expect((await requestToken(b.url, client.client_id, client.client_secret)).status).toBe(200);
      const patched = await api(a.url, admin, 'PATCH', `/clients/${client.client_id}`, { status: 'inactive' });
      expect(patched.status).toBe(200);
      // ... so only the notice from a can make it refuse the client now.
      await waitFor('the other instance to refuse the deactivated client', 5_000, async () => {
        return (await requestToken(b.url, client.client_id, client.client_secret)).status !== 200;
      });
    });

    it('reports readiness, and the CLI reaches the same sessions', async () => {
      const ready = await fetch(`${a.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'up', redis: 'up' } });

      const cli = new CliContext(loadConfig(env), createLogger('silent'));
      try {
        const { sessions } = await cli.shared();
        expect(await sessions.count(clients[5]!.client_id)).toBe(1);
        expect(await sessions.revokeAll(clients[5]!.client_id)).toBe(1);
        expect(await sessions.count(clients[5]!.client_id)).toBe(0);
      } finally {
        await cli.close();
      }
    });

    it('comes back by itself when a master dies: readiness, tokens and introspection for every client', async () => {
      const victim = clients[6]!;
      const survivor = clients[7]!;
      const killed = await group.killMasterOf(`tg:{${victim.client_id}}:idx`);
      // Bounds, not waits: on a loaded machine a failover and the clients' catching up take longer.
      await group.promoted(killed, 45_000);
      // Introspection counts toward no limit: poll it until both clients' first tokens are found again
      // (written long before the failover, so replicated).
      await waitFor('every client to be served again', 45_000, async () => {
        const answers = await Promise.all(
          [6, 7].map((i) => introspect(a.url, clients[i]!.client_id, clients[i]!.client_secret, firstTokens[i]!)),
        );
        return answers.every(({ status, body }) => status === 200 && body?.active === true);
      });
      await waitFor('readiness on both instances', 30_000, async () => {
        const answers = await Promise.all([a, b].map((server) => fetch(`${server.url}/readyz`)));
        return answers.every(({ status }) => status === 200);
      });
      // The other instance learns the new slot owner on its next topology refresh (every 2 s, or at once
      // after a failed write): until then its writes for the victim's slot may answer 503, never worse.
      for (const client of [victim, survivor]) {
        const token = await waitFor(`a token for ${client.client_id} from the other instance`, 30_000, async () => {
          const { status, body } = await requestToken(b.url, client.client_id, client.client_secret);
          expect([200, 503]).toContain(status);
          return status === 200 ? (body.access_token as string) : undefined;
        });
        expect((await introspect(a.url, client.client_id, client.client_secret, token)).body).toMatchObject({
          active: true,
        });
      }
    }, 150_000);
  });
}
