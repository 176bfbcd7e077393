import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../x/errors.js';
import { type ReplayCache, replayIdDigest } from './replay-cache.js';

/**
 * Shared by every instance: an identifier used on one is refused on all. One `SET NX PX` per use, so
 * first use and its expiry are one atomic command.
 *
 * Key layout. `{partition}` (a client_id) is a Redis Cluster hash tag, the same as the client's sessions.
 *   tg:{<partition>}:once:<digest of id>   "1", expiring with the token that carried the id
 */
/** Even an identifier whose token is expiring now is remembered this long. */
const MIN_TTL_MS = 1_000;

export class RedisReplayCache implements ReplayCache {
  readonly kind = 'redis';

  constructor(private readonly redis: Redis) {}

  async firstUse(partition: string, id: string, expiresAtMs: number): Promise<boolean> {
    const ttlMs = Math.max(MIN_TTL_MS, Math.ceil(expiresAtMs - Date.now()));
    try {
      return (await this.redis.set(`tg:{${partition}}:once:${replayIdDigest(id)}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    } catch (error) {
      throw new DependencyUnavailableError('replay_cache', 'the replay cache is unavailable; retry shortly', {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    // The connection is the session store's, which closes it.
  }
}
