import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemorySessionStore } from '../../src/sessions/memory-store.js';
import { nowSeconds } from '../../src/sessions/order-key.js';
import { connectRedis, RedisSessionStore } from '../../src/sessions/redis-store.js';
import type { CreateLimits, Session, SessionStore } from '../../src/sessions/types.js';
import { pollUntil } from '../support/poll.js';
import { REDIS_URL } from '../support/services.js';

/** Reads the raw keys, to check what the store leaves behind in Redis. */
const inspector = new Redis(REDIS_URL);

afterAll(() => inspector.disconnect());

async function openRedisStore(): Promise<SessionStore> {
  const redis = connectRedis(REDIS_URL);
  await new Promise((resolve) => redis.once('ready', resolve));
  return new RedisSessionStore(redis);
}

function newClientId(): string {
  return `store-test-${randomBytes(6).toString('hex')}`;
}

function sessionFor(clientId: string, exp: number): Session {
  return {
    jti: randomBytes(16).toString('base64url'),
    client_id: clientId,
    scope: 'read',
    issued_at_ms: (exp - 86_400) * 1000,
    exp,
    ip: '192.0.2.1',
    kid: 'k1',
    org_id: null,
  };
}

/** A cap on live sessions and no issuance rate. */
function cap(maxPerClient: number): CreateLimits {
  return { maxPerClient, perWindow: 0, windowMs: 60_000 };
}

const CREATED = { status: 'created' };
const FULL = { status: 'session_limit' };

/** Every page of the client's sessions, following cursors. */
async function listAll(store: SessionStore, clientId: string, limit: number): Promise<Session[][]> {
  const pages: Session[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list(clientId, limit, cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

describe.each([
  { name: 'RedisSessionStore', open: openRedisStore },
  { name: 'MemorySessionStore', open: async (): Promise<SessionStore> => new MemorySessionStore() },
])('$name', ({ open }) => {
  let store: SessionStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store?.close());

  it('lists newest first, one page at a time', async () => {
    const clientId = newClientId();
    const now = nowSeconds();
    const sessions = [3, 1, 4, 0, 2].map((offset) => sessionFor(clientId, now + 1_000 + offset));
    for (const session of sessions) expect(await store.create(session, cap(0))).toEqual(CREATED);

    const pages = await listAll(store, clientId, 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const newestFirst = [...sessions].sort((a, b) => b.exp - a.exp).map((session) => session.jti);
    expect(pages.flat().map((session) => session.jti)).toEqual(newestFirst);
    expect(pages[0]![0]).toEqual(sessions[2]);
  });

  it('refuses a session past the cap and keeps the existing ones', async () => {
    const clientId = newClientId();
    const [first, second, third] = [1, 2, 3].map((offset) => sessionFor(clientId, nowSeconds() + 3_600 + offset));
    expect(await store.create(first!, cap(2))).toEqual(CREATED);
    expect(await store.create(second!, cap(2))).toEqual(CREATED);
    expect(await store.create(third!, cap(2))).toEqual(FULL);
    expect(await store.get(clientId, first!.jti)).toEqual(first);
    expect(await store.get(clientId, second!.jti)).toEqual(second);
    expect(await store.get(clientId, third!.jti)).toBeNull();
    expect(await store.count(clientId)).toBe(2);
  });

  it('drops expired sessions from the client index, so they stop counting toward the cap', async () => {
    const clientId = newClientId();
    const shortLived = sessionFor(clientId, nowSeconds() + 1);
    expect(await store.create(shortLived, cap(1))).toEqual(CREATED);
    expect(await store.create(sessionFor(clientId, nowSeconds() + 3_600), cap(1))).toEqual(FULL);

    expect(
      await pollUntil(
        () => store.count(clientId),
        (count) => count === 0,
      ),
    ).toBe(0);
    expect(await store.get(clientId, shortLived.jti)).toBeNull();
    const longLived = sessionFor(clientId, nowSeconds() + 3_600);
    expect(await store.create(longLived, cap(1))).toEqual(CREATED);
    expect((await store.list(clientId, 10, null)).items).toEqual([longLived]);
    if (store.kind === 'redis')
      expect(await inspector.zrange(`tg:{${clientId}}:idx`, '0', '-1')).toEqual([
        expect.stringContaining(longLived.jti),
      ]);
  });

  it('refuses past the issuance rate, says for how long, and takes a discarded session back out of the count', async () => {
    const clientId = newClientId();
    const limits: CreateLimits = { maxPerClient: 0, perWindow: 2, windowMs: 60_000 };
    const [first, second, third] = [1, 2, 3].map((offset) => sessionFor(clientId, nowSeconds() + 3_600 + offset));
    expect(await store.create(first!, limits)).toEqual(CREATED);
    expect(await store.create(second!, limits)).toEqual(CREATED);
    const refused = await store.create(third!, limits);
    expect(refused).toEqual({ status: 'rate_limited', retryAfterMs: expect.any(Number) });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await store.get(clientId, third!.jti)).toBeNull();

    await store.discard(second!);
    expect(await store.get(clientId, second!.jti)).toBeNull();
    expect(await store.count(clientId)).toBe(1);
    expect(await store.create(third!, limits)).toEqual(CREATED);
  });

  it('revokes one session, then all of them', async () => {
    const clientId = newClientId();
    const sessions = [1, 2, 3].map((offset) => sessionFor(clientId, nowSeconds() + 3_600 + offset));
    for (const session of sessions) await store.create(session, cap(0));
    expect(await store.revoke(clientId, sessions[0]!.jti)).toBe(true);
    expect(await store.revoke(clientId, sessions[0]!.jti)).toBe(false);
    expect(await store.get(clientId, sessions[0]!.jti)).toBeNull();
    expect(await store.count(clientId)).toBe(2);
    expect(await store.revokeAll(clientId)).toBe(2);
    expect(await store.count(clientId)).toBe(0);
    expect((await store.list(clientId, 10, null)).items).toEqual([]);
  });
});

describe('Redis key layout', () => {
  it('prunes expired entries from the index once every 32 issuances, not on every one', async () => {
    const store = await openRedisStore();
    try {
      const clientId = newClientId();
      const index = `tg:{${clientId}}:idx`;
      const live = Array.from({ length: 32 }, (_, i) => sessionFor(clientId, nowSeconds() + 3_600 + i));
      // A live session first, so the index outlives the expired one.
      await store.create(live[0]!, cap(0));
      const expired = sessionFor(clientId, nowSeconds() + 1);
      await store.create(expired, cap(0));
      await pollUntil(
        () => store.count(clientId),
        (count) => count === 1,
      );
      for (const session of live.slice(1, 31)) await store.create(session, cap(0));
      // Kept while issuances find 2..31 entries (and never counted or listed)...
      expect(await inspector.zcard(index)).toBe(32);
      expect(await inspector.zrange(index, '0', '-1')).toContainEqual(expect.stringContaining(expired.jti));
      expect(await store.count(clientId)).toBe(31);
      // ...and gone with the issuance that finds 32.
      await store.create(live[31]!, cap(0));
      const members = await inspector.zrange(index, '0', '-1');
      expect(members).toHaveLength(32);
      expect(members).not.toContainEqual(expect.stringContaining(expired.jti));
      expect(await inspector.pexpiretime(index)).toBe(live[31]!.exp * 1000);
    } finally {
      await store.close();
    }
  });

  it('keeps a client under one hash tag, and its index expires with its newest token', async () => {
    const store = await openRedisStore();
    try {
      const clientId = newClientId();
      const sessions = [1, 2].map((offset) => sessionFor(clientId, nowSeconds() + offset));
      for (const session of sessions) await store.create(session, cap(0));
      const keys = await inspector.keys(`tg:{${clientId}}:*`);
      expect(keys.sort()).toEqual(
        [`tg:{${clientId}}:idx`, ...sessions.map((session) => `tg:{${clientId}}:s:${session.jti}`)].sort(),
      );
      expect(await inspector.pexpiretime(`tg:{${clientId}}:idx`)).toBe(sessions[1]!.exp * 1000);

      expect(
        await pollUntil(
          () => inspector.exists(keys),
          (remaining) => remaining === 0,
        ),
      ).toBe(0);
    } finally {
      await store.close();
    }
  });
});
