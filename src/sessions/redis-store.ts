import { Redis } from 'ioredis';
import { expiryPrefix, nowSeconds, sessionOrderKey, SessionStoreUnavailableError, type Session, type SessionPage, type SessionStore } from './types.js';

/**
 * Key layout. `{client_id}` is a Redis Cluster hash tag: a client's index and sessions share one slot,
 * so the scripts below stay atomic on a cluster too.
 *   tg:{client_id}:idx        sorted set of "<exp, 12 digits>:<jti>", all scores 0 (ordered by member)
 *   tg:{client_id}:s:<jti>    the session as JSON, expiring with the token (PXAT)
 */
const indexKey = (clientId: string) => `tg:{${clientId}}:idx`;
const sessionKey = (clientId: string, jti: string) => `tg:{${clientId}}:s:${jti}`;

/**
 * Prunes expired index entries, refuses past the cap, then stores the session and extends the index's
 * own expiry to the newest token's, so an idle client's index disappears by itself.
 * KEYS: index, session. ARGV: now prefix, member, session JSON, exp in ms, cap (0 = none).
 */
const CREATE_SCRIPT = `
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[1])
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('ZCARD', KEYS[1]) >= cap then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PXAT', ARGV[4])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
return 1
`;

/** KEYS: index, session. ARGV: member. Deletes the session and its index entry together. */
const REVOKE_SCRIPT = `
local removed = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return removed
`;

/** Commands fail after this long instead of holding a request while Redis is unreachable. */
const COMMAND_TIMEOUT_MS = 1_000;
const REVOKE_ALL_BATCH = 500;

interface ScriptCommands {
  createSession(index: string, session: string, nowPrefix: string, member: string, json: string, expMs: number, cap: number): Promise<number>;
  revokeSession(index: string, session: string, member: string): Promise<number>;
}

type ScriptedRedis = Redis & ScriptCommands;

export function connectRedis(url: string): Redis {
  return new Redis(url, {
    // Requests from many concurrent token calls go out in one write: the hot path's pipelining.
    enableAutoPipelining: true,
    // Fail at once while disconnected rather than queue: callers turn that into a prompt 503.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    redis.defineCommand('createSession', { numberOfKeys: 2, lua: CREATE_SCRIPT });
    redis.defineCommand('revokeSession', { numberOfKeys: 2, lua: REVOKE_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  create(session: Session, maxPerClient: number): Promise<boolean> {
    return this.call(async () => {
      const created = await this.redis.createSession(
        indexKey(session.client_id),
        sessionKey(session.client_id, session.jti),
        expiryPrefix(nowSeconds()),
        sessionOrderKey(session),
        JSON.stringify(session),
        session.exp * 1000,
        maxPerClient,
      );
      return created === 1;
    });
  }

  get(clientId: string, jti: string): Promise<Session | null> {
    return this.call(async () => parseSession(await this.redis.get(sessionKey(clientId, jti))));
  }

  list(clientId: string, limit: number, cursor: string | null): Promise<SessionPage> {
    return this.call(async () => {
      const members = await this.redis.zrange(indexKey(clientId), cursor ? `(${cursor}` : '+', `[${expiryPrefix(nowSeconds())}`, 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
      const page = members.slice(0, limit);
      const values = page.length ? await this.redis.mget(page.map((member) => sessionKey(clientId, jtiOf(member)))) : [];
      return {
        items: values.map(parseSession).filter((session): session is Session => session !== null),
        nextCursor: members.length > limit ? page[page.length - 1]! : null,
      };
    });
  }

  count(clientId: string): Promise<number> {
    return this.call(() => this.redis.zlexcount(indexKey(clientId), `[${expiryPrefix(nowSeconds())}`, '+'));
  }

  revoke(clientId: string, jti: string): Promise<boolean> {
    return this.call(async () => {
      const session = await this.get(clientId, jti);
      if (!session) return false;
      return (await this.redis.revokeSession(indexKey(clientId), sessionKey(clientId, jti), sessionOrderKey(session))) === 1;
    });
  }

  revokeAll(clientId: string): Promise<number> {
    return this.call(async () => {
      let revoked = 0;
      for (;;) {
        const members = await this.redis.zrange(indexKey(clientId), '0', String(REVOKE_ALL_BATCH - 1));
        if (members.length === 0) return revoked;
        const [[, deleted]] = (await this.redis
          .multi()
          .del(...members.map((member) => sessionKey(clientId, jtiOf(member))))
          .zrem(indexKey(clientId), ...members)
          .exec()) as [[Error | null, number], unknown];
        revoked += deleted;
      }
    });
  }

  async ping(): Promise<void> {
    await this.call(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw error instanceof SessionStoreUnavailableError ? error : new SessionStoreUnavailableError(error);
    }
  }
}

function jtiOf(member: string): string {
  return member.slice(member.indexOf(':') + 1);
}

function parseSession(value: string | null): Session | null {
  return value ? (JSON.parse(value) as Session) : null;
}
