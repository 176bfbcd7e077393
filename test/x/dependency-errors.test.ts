import { RedisFailureLimiter } from '../../src/limits/redis-failure-limiter.js';
import { nowSeconds } from '../../src/sessions/order-key.js';
import { connectRedis, RedisSessionStore } from '../../src/sessions/redis-store.js';
import { DependencyUnavailableError } from '../../src/x/errors.js';
import { freePort } from '../support/server.js';

/**
 * Dependency-error classification for the Redis-backed parts (the database's is test/db/errors): a Redis
 * that does not answer becomes DependencyUnavailableError naming the part, promptly, so the OAuth
 * endpoints answer 503 temporarily_unavailable instead of a 500 or a hang.
 */

/** A Redis client as the server configures it, pointed at a port where nothing listens. */
async function unreachableRedis() {
  const redis = connectRedis(`redis://127.0.0.1:${await freePort()}`);
  redis.on('error', () => undefined);
  return redis;
}

async function failure(operation: Promise<unknown>): Promise<DependencyUnavailableError> {
  const started = Date.now();
  const error = await operation.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DependencyUnavailableError);
  // Fails at once (no offline queue), never after a command timeout.
  expect(Date.now() - started).toBeLessThan(5_000);
  return error as DependencyUnavailableError;
}

describe('a Redis that does not answer', () => {
  it('makes the failure limiter answer DependencyUnavailableError of the rate limit store, keeping the cause', async () => {
    const redis = await unreachableRedis();
    try {
      const limiter = new RedisFailureLimiter(redis, { perClientIp: 3, perIp: 5, windowMs: 60_000 }, 'http://x.test');
      for (const operation of [limiter.blocked('192.0.2.1', 'tgc_a'), limiter.recordFailure('192.0.2.1', null)]) {
        const error = await failure(operation);
        expect(error.dependency).toBe('rate_limit_store');
        expect(error.cause).toBeInstanceOf(Error);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('makes the session store answer DependencyUnavailableError of the session store', async () => {
    const redis = await unreachableRedis();
    const store = new RedisSessionStore(redis);
    try {
      for (const operation of [
        store.count('tgc_a'),
        store.get('tgc_a', 'jti'),
        store.create(
          {
            jti: 'jti',
            client_id: 'tgc_a',
            scope: 'read',
            issued_at_ms: Date.now(),
            exp: nowSeconds() + 60,
            ip: '192.0.2.1',
            kid: 'k1',
            org_id: null,
          },
          { maxPerClient: 0, perWindow: 0, windowMs: 60_000 },
        ),
      ])
        expect((await failure(operation)).dependency).toBe('session_store');
    } finally {
      await store.close();
    }
  });
});
