import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryReplayCache } from '../../src/limits/memory-replay-cache.js';
import { RedisReplayCache } from '../../src/limits/redis-replay-cache.js';
import type { ReplayCache } from '../../src/limits/replay-cache.js';
import { connectRedis } from '../../src/sessions/redis-store.js';
import { DependencyUnavailableError } from '../../src/x/errors.js';
import { pollUntil } from '../support/poll.js';
import { startPrivateRedis } from '../support/redis-server.js';
import { REDIS_URL } from '../support/services.js';

const inspector = new Redis(REDIS_URL);
afterAll(() => inspector.disconnect());

const connections: Redis[] = [];
afterAll(() => {
  for (const connection of connections) connection.disconnect();
});

async function openRedisCache(): Promise<ReplayCache> {
  const redis = connectRedis(REDIS_URL);
  connections.push(redis);
  await new Promise((resolve) => redis.once('ready', resolve));
  return new RedisReplayCache(redis);
}

const partition = () => `replay-test-${randomBytes(6).toString('hex')}`;
const inSeconds = (seconds: number) => Date.now() + seconds * 1000;

describe.each([
  { name: 'RedisReplayCache', open: openRedisCache },
  { name: 'MemoryReplayCache', open: async (): Promise<ReplayCache> => new MemoryReplayCache() },
])('$name', ({ open }) => {
  let cache: ReplayCache;
  beforeAll(async () => {
    cache = await open();
  });
  afterAll(() => cache.close());

  it('answers first use once, then a replay, for as long as the id lives', async () => {
    const client = partition();
    expect(await cache.firstUse(client, 'jti-1', inSeconds(60))).toBe(true);
    expect(await cache.firstUse(client, 'jti-1', inSeconds(60))).toBe(false);
    expect(await cache.firstUse(client, 'jti-1', inSeconds(600))).toBe(false);
    expect(await cache.firstUse(client, 'jti-2', inSeconds(60))).toBe(true);
  });

  it('keeps partitions apart', async () => {
    const [one, two] = [partition(), partition()];
    expect(await cache.firstUse(one!, 'shared-jti', inSeconds(60))).toBe(true);
    expect(await cache.firstUse(two!, 'shared-jti', inSeconds(60))).toBe(true);
    expect(await cache.firstUse(two!, 'shared-jti', inSeconds(60))).toBe(false);
  });

  it('forgets an id once it has expired (but remembers every id at least a second)', async () => {
    const client = partition();
    expect(await cache.firstUse(client, 'short', Date.now() - 5_000)).toBe(true);
    expect(await cache.firstUse(client, 'short', Date.now() - 5_000)).toBe(false);
    expect(
      await pollUntil(
        () => cache.firstUse(client, 'short', inSeconds(60)),
        (first) => first,
      ),
    ).toBe(true);
    expect(await cache.firstUse(client, 'short', inSeconds(60))).toBe(false);
  });

  it('lets exactly one of many concurrent uses of one id through', async () => {
    const client = partition();
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.firstUse(client, 'race', inSeconds(60))));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});

describe('MemoryReplayCache bounds', () => {
  it('refuses with 503 rather than forget a live id when full, and makes room as ids expire', async () => {
    const cache = new MemoryReplayCache(2);
    try {
      expect(await cache.firstUse('c', 'a', inSeconds(60))).toBe(true);
      expect(await cache.firstUse('c', 'b', Date.now())).toBe(true);
      await expect(cache.firstUse('c', 'c', inSeconds(60))).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(await cache.firstUse('c', 'a', inSeconds(60))).toBe(false);
      expect(
        await pollUntil(
          () => cache.firstUse('c', 'c', inSeconds(60)).catch(() => false),
          (first) => first,
        ),
      ).toBe(true);
    } finally {
      await cache.close();
    }
  });
});

describe('RedisReplayCache', () => {
  it('stores a digest of the id, never the id, with the client as hash tag and the expiry as TTL', async () => {
    const cache = await openRedisCache();
    const client = partition();
    const id = `eyJhbGciOi.${randomBytes(8).toString('hex')}`;
    await cache.firstUse(client, id, inSeconds(60));
    const keys = await inspector.keys(`tg:{${client}}:once:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(id);
    const ttl = await inspector.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('answers DependencyUnavailableError, never "first use", when Redis is gone', async () => {
    const server = await startPrivateRedis();
    const redis = connectRedis(server.url);
    redis.on('error', () => undefined);
    connections.push(redis);
    await new Promise((resolve) => redis.once('ready', resolve));
    const cache = new RedisReplayCache(redis);
    expect(await cache.firstUse('c', 'x', inSeconds(60))).toBe(true);
    await server.kill();
    await expect(cache.firstUse('c', 'y', inSeconds(60))).rejects.toMatchObject({ dependency: 'replay_cache' });
  });
});
