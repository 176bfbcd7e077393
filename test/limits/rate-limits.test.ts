import { Redis } from 'ioredis';
import {
  adminToken,
  basicAuth,
  type CreatedClient,
  createClient,
  introspect,
  requestTokenFrom,
  type TokenResult,
  tokenFor,
  uniqueIp,
} from '../support/oauth.js';
import { waitFor } from '../support/poll.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestDatabase, REDIS_URL, type TestDatabase } from '../support/services.js';

const LIMITS = {
  // One deployment behind a load balancer: both instances share the issuer, and so the counters.
  ISSUER: `http://tollgate-rate-limits-${process.pid}-${Date.now()}.test`,
  TRUST_PROXY: 'true',
  RATE_LIMIT_AUTH_FAILURES_PER_CLIENT_IP: '3',
  RATE_LIMIT_AUTH_FAILURES_PER_IP: '6',
  RATE_LIMIT_TOKENS_PER_CLIENT: '4',
};

function expectSlowDown(result: TokenResult, maxRetryAfterSeconds: number): void {
  expect(result.status).toBe(429);
  expect(result.body.error).toBe('slow_down');
  expect(result.body.access_token).toBeUndefined();
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfterSeconds);
}

/** A form POST to an OAuth endpoint as seen from `ip`. */
async function postFrom(
  ip: string,
  url: string,
  client: { client_id: string; client_secret: string },
  params: Record<string, string>,
): Promise<TokenResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: basicAuth(client.client_id, client.client_secret),
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': ip,
    },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

describe('rate limits shared by two instances through one Redis', () => {
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;
  let admin: string;
  const redis = new Redis(REDIS_URL);
  /** Alternates instances, as a load balancer would. */
  const servers = () => [first, second];

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, REDIS_URL, ...LIMITS };
    first = await startTestServer(env);
    second = await startTestServer(env);
    admin = await adminToken(first.url);
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
    redis.disconnect();
  });

  it("blocks an attacker's address for the client it attacks, while the real client keeps getting tokens from its own", async () => {
    const victim = await createClient(first.url, admin, { name: 'victim', role: 'read-only' });
    const attacker = uniqueIp();
    const legitimate = uniqueIp();
    for (let i = 0; i < 3; i += 1) {
      expect((await requestTokenFrom(attacker, servers()[i % 2]!.url, victim.client_id, `guess-${i}`)).status).toBe(
        401,
      );
    }
    for (const server of servers()) {
      expectSlowDown(await requestTokenFrom(attacker, server.url, victim.client_id, 'guess-again'), 300);
    }
    const sessionsBefore = await redis.zcard(`tg:{${victim.client_id}}:idx`);
    // The right secret from the blocked address is refused too (and leaves no session behind), or the
    // 429 would only hide which guess was right.
    expectSlowDown(await requestTokenFrom(attacker, second.url, victim.client_id, victim.client_secret), 300);
    expect(await redis.zcard(`tg:{${victim.client_id}}:idx`)).toBe(sessionsBefore);

    for (const server of servers()) {
      const own = await requestTokenFrom(legitimate, server.url, victim.client_id, victim.client_secret);
      expect(own.status).toBe(200);
      expect(own.body.access_token).toEqual(expect.any(String));
    }
  });

  it('blocks an address that fails with many client_ids, whatever client_id it tries next', async () => {
    const scanner = uniqueIp();
    for (let i = 0; i < 6; i += 1) {
      expect((await requestTokenFrom(scanner, servers()[i % 2]!.url, `tgc_made_up_${i}`, 'x')).status).toBe(401);
    }
    expectSlowDown(await requestTokenFrom(scanner, first.url, 'tgc_made_up_next', 'x'), 300);
    const bystander = await createClient(first.url, admin, { name: 'bystander', role: 'read-only' });
    expect((await requestTokenFrom(uniqueIp(), second.url, bystander.client_id, bystander.client_secret)).status).toBe(
      200,
    );
  });

  it('counts an IPv6 attacker per /64, so stepping to a fresh address does not reset the count', async () => {
    const victim = await createClient(first.url, admin, { name: 'ipv6 victim', role: 'read-only' });
    const prefix = uniqueIp().replace(/::[0-9a-f]+$/, '');
    for (let i = 1; i <= 3; i += 1)
      expect((await requestTokenFrom(`${prefix}::${i}`, servers()[i % 2]!.url, victim.client_id, 'guess')).status).toBe(
        401,
      );
    expectSlowDown(await requestTokenFrom(`${prefix}:1:2:3:4`, first.url, victim.client_id, 'guess'), 300);
  });

  it('counts failures on introspection and revocation too, and a blocked caller cannot revoke even with the right secret', async () => {
    const owner = await createClient(first.url, admin, { name: 'token owner', role: 'read-only' });
    const resourceServer = await createClient(first.url, admin, { name: 'resource server', role: 'resource-server' });
    const token = await tokenFor(first.url, owner);
    const attacker = uniqueIp();
    const wrong = { client_id: owner.client_id, client_secret: 'guess' };
    // Each test server is its own issuer, so this token is only valid on the first.
    expect((await postFrom(attacker, `${first.url}/token/introspection`, wrong, { token })).status).toBe(401);
    expect((await postFrom(attacker, `${second.url}/token/revocation`, wrong, { token })).status).toBe(401);
    expect((await requestTokenFrom(attacker, first.url, owner.client_id, 'guess')).status).toBe(401);

    expectSlowDown(await postFrom(attacker, `${second.url}/token/introspection`, owner, { token }), 300);
    expectSlowDown(await postFrom(attacker, `${first.url}/token/revocation`, owner, { token }), 300);
    expect(
      (await introspect(first.url, resourceServer.client_id, resourceServer.client_secret, token)).body?.active,
    ).toBe(true);
  });

  it('counts only failed authentications: successes and other errors never block', async () => {
    const client = await createClient(first.url, admin, { name: 'well behaved', role: 'read-only' });
    const address = uniqueIp();
    for (let i = 0; i < 4; i += 1) {
      const badScope = await fetch(`${servers()[i % 2]!.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: client.client_secret,
          scope: 'admin',
        }),
      });
      expect(badScope.status).toBe(400);
    }
    expect((await requestTokenFrom(address, first.url, client.client_id, client.client_secret)).status).toBe(200);
  });

  it('limits how many tokens one client obtains per window, on all instances together', async () => {
    const busy = await createClient(first.url, admin, { name: 'busy', role: 'read-only' });
    const calm = await createClient(first.url, admin, { name: 'calm', role: 'read-only' });
    const address = uniqueIp();
    for (let i = 0; i < 4; i += 1) {
      expect((await requestTokenFrom(address, servers()[i % 2]!.url, busy.client_id, busy.client_secret)).status).toBe(
        200,
      );
    }
    for (const server of servers()) {
      const refused = await requestTokenFrom(address, server.url, busy.client_id, busy.client_secret);
      expectSlowDown(refused, 60);
      expect(refused.body.error_description).toMatch(/issuance rate/);
    }
    expect(await redis.zcard(`tg:{${busy.client_id}}:idx`)).toBe(4);
    expect((await requestTokenFrom(address, second.url, calm.client_id, calm.client_secret)).status).toBe(200);
  });

  it('lifts a block when its window ends', async () => {
    const shortWindow = await startTestServer({
      DATABASE_URL: database.url,
      REDIS_URL,
      ...LIMITS,
      RATE_LIMIT_AUTH_FAILURE_WINDOW: '2s',
    });
    try {
      const client = await createClient(first.url, admin, { name: 'patient', role: 'read-only' });
      const address = uniqueIp();
      for (let i = 0; i < 3; i += 1) await requestTokenFrom(address, shortWindow.url, client.client_id, 'wrong');
      expectSlowDown(await requestTokenFrom(address, shortWindow.url, client.client_id, client.client_secret), 2);
      await waitFor(
        'the block to lift',
        10_000,
        async () =>
          (await requestTokenFrom(address, shortWindow.url, client.client_id, client.client_secret)).status === 200,
      );
      // One event when the block started, one when it ended; none for the refused request in between.
      const events = await waitFor('the end of the block to be audited', 10_000, async () => {
        await shortWindow.app.audit.flush();
        const { rows } = (await shortWindow.app.db.raw(
          'select type, client_id, details from audit_events where ip = ? order by at, id',
          [address],
        )) as {
          rows: { type: string; client_id: string | null; details: Record<string, unknown> }[];
        };
        return rows.some((row) => row.type === 'caller.unblocked') && rows;
      });
      const refusals = events
        .filter((event) => event.type !== 'token.issued')
        .map((event) => `${event.type} ${event.client_id} ${String(event.details.reason ?? event.details.limit)}`);
      expect(refusals.sort()).toEqual([
        `caller.blocked ${client.client_id} per_client_ip`,
        `caller.unblocked ${client.client_id} per_client_ip`,
        ...Array.from({ length: 3 }, () => `token.denied ${client.client_id} invalid_secret`),
      ]);
    } finally {
      await shortWindow.stop();
    }
  });
});

describe('rate limits in single-node mode (in-process counters)', () => {
  let server: TestServer;
  let victim: CreatedClient;

  beforeAll(async () => {
    server = await startTestServer(LIMITS);
    victim = await createClient(server.url, await adminToken(server.url), { name: 'victim', role: 'read-only' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('blocks the attacking pair and address but not the real client elsewhere', async () => {
    const attacker = uniqueIp();
    for (let i = 0; i < 3; i += 1)
      expect((await requestTokenFrom(attacker, server.url, victim.client_id, 'guess')).status).toBe(401);
    expectSlowDown(await requestTokenFrom(attacker, server.url, victim.client_id, victim.client_secret), 300);
    expect((await requestTokenFrom(uniqueIp(), server.url, victim.client_id, victim.client_secret)).status).toBe(200);
    for (let i = 0; i < 3; i += 1)
      expect((await requestTokenFrom(attacker, server.url, `tgc_other_${i}`, 'guess')).status).toBe(401);
    expectSlowDown(await requestTokenFrom(attacker, server.url, 'tgc_one_more', 'guess'), 300);
  });

  it('limits token issuance per client, and a token refused to a blocked address does not count', async () => {
    const address = uniqueIp();
    // Above, the victim got one token from its own address; the one refused to the attacker's address
    // was withdrawn, so three more fit in the limit of four.
    for (let i = 0; i < 3; i += 1)
      expect((await requestTokenFrom(address, server.url, victim.client_id, victim.client_secret)).status).toBe(200);
    expectSlowDown(await requestTokenFrom(address, server.url, victim.client_id, victim.client_secret), 60);
  });
});
