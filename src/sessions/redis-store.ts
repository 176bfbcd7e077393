import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../x/errors.js';
import { expiryPrefix, nowSeconds, sessionOrderKey } from './order-key.js';
import type { CreateLimits, CreateOutcome, Session, SessionPage, SessionStore } from './types.js';

/**
 * Key layout. `{client_id}` is a Redis Cluster hash tag: a client's index and sessions share one slot,
 * so the scripts below stay atomic on a cluster too.
 *   tg:{client_id}:idx        sorted set of "<exp, 12 digits>:<jti>", all scores 0 (ordered by member)
 *   tg:{client_id}:s:<jti>    the session as JSON, expiring with the token (PXAT)
 *   tg:{client_id}:issued     tokens issued in the current rate-limit window, expiring with it
 */
const indexKey = (clientId: string) => `tg:{${clientId}}:idx`;
const sessionKey = (clientId: string, jti: string) => `tg:{${clientId}}:s:${jti}`;
const issuedKey = (clientId: string) => `tg:{${clientId}}:issued`;

/**
 * Expired entries are pruned from a client's index once every this many issuances (when its size is a
 * multiple of it), and whenever the cap is reached, where they could change the answer. So an index
 * holds fewer than this many expired entries beyond those of its last prune, and the token path does not
 * pay a range deletion per token. Reads (list, count) skip expired entries by their order key anyway.
 */
const PRUNE_EVERY = 32;

/**
 * Refuses past the issuance rate (the window starts at its first token), refuses past the cap (counting
 * live entries only: see PRUNE_EVERY), then stores the session, counts it, and extends the index's own
 * expiry to the newest token's (GT: never shortens it), so an idle client's index disappears by itself.
 * The rate counter shares the client's slot, so limiting costs no extra round trip.
 * KEYS: index, session, issued. ARGV: now prefix, member, session JSON, exp in ms, cap (0 = none),
 * tokens per window (0 = none), window in ms.
 */
const CREATE_SCRIPT = `
local rate = tonumber(ARGV[6])
if rate > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= rate then
  return {'rate_limited', redis.call('PTTL', KEYS[3])}
end
local cap = tonumber(ARGV[5])
local size = redis.call('ZCARD', KEYS[1])
if size % ${PRUNE_EVERY} == 0 or (cap > 0 and size >= cap) then
  size = size - redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[1])
end
if cap > 0 and size >= cap then return {'session_limit'} end
redis.call('SET', KEYS[2], ARGV[3], 'PXAT', ARGV[4])
redis.call('ZADD', KEYS[1], 0, ARGV[2])
if size == 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) else redis.call('PEXPIREAT', KEYS[1], ARGV[4], 'GT') end
if rate > 0 and redis.call('INCR', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
return {'created'}
`;

/** KEYS: index, session. ARGV: member. Deletes the session and its index entry together. */
const REVOKE_SCRIPT = `
local removed = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return removed
`;

/** KEYS: index, session, issued. ARGV: member. Removes an unused session and gives back its place in the rate. */
const DISCARD_SCRIPT = `
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return 1
`;

/** Commands fail after this long instead of holding a request while Redis is unreachable. */
const COMMAND_TIMEOUT_MS = 1_000;
const REVOKE_ALL_BATCH = 500;

interface ScriptCommands {
  createSession(
    index: string,
    session: string,
    issued: string,
    nowPrefix: string,
    member: string,
    json: string,
    expMs: number,
    cap: number,
    perWindow: number,
    windowMs: number,
  ): Promise<['created'] | ['session_limit'] | ['rate_limited', number]>;
  revokeSession(index: string, session: string, member: string): Promise<number>;
  discardSession(index: string, session: string, issued: string, member: string): Promise<number>;
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
    redis.defineCommand('createSession', { numberOfKeys: 3, lua: CREATE_SCRIPT });
    redis.defineCommand('revokeSession', { numberOfKeys: 2, lua: REVOKE_SCRIPT });
    redis.defineCommand('discardSession', { numberOfKeys: 3, lua: DISCARD_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  create(session: Session, limits: CreateLimits): Promise<CreateOutcome> {
    return this.call(async () => {
      const [status, retryAfterMs] = await this.redis.createSession(
        indexKey(session.client_id),
        sessionKey(session.client_id, session.jti),
        issuedKey(session.client_id),
        expiryPrefix(nowSeconds()),
        sessionOrderKey(session),
        JSON.stringify(session),
        session.exp * 1000,
        limits.maxPerClient,
        limits.perWindow,
        limits.windowMs,
      );
      return status === 'rate_limited' ? { status, retryAfterMs: retryAfterMs! } : { status };
    });
  }

  async discard(session: Pick<Session, 'client_id' | 'jti' | 'exp'>): Promise<void> {
    await this.call(() =>
      this.redis.discardSession(
        indexKey(session.client_id),
        sessionKey(session.client_id, session.jti),
        issuedKey(session.client_id),
        sessionOrderKey(session),
      ),
    );
  }

  get(clientId: string, jti: string): Promise<Session | null> {
    return this.call(async () => parseSession(await this.redis.get(sessionKey(clientId, jti))));
  }

  list(clientId: string, limit: number, cursor: string | null): Promise<SessionPage> {
    return this.call(async () => {
      const members = await this.redis.zrange(
        indexKey(clientId),
        cursor ? `(${cursor}` : '+',
        `[${expiryPrefix(nowSeconds())}`,
        'BYLEX',
        'REV',
        'LIMIT',
        0,
        limit + 1,
      );
      const page = members.slice(0, limit);
      const values = page.length
        ? await this.redis.mget(page.map((member) => sessionKey(clientId, jtiOf(member))))
        : [];
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
      return (
        (await this.redis.revokeSession(indexKey(clientId), sessionKey(clientId, jti), sessionOrderKey(session))) === 1
      );
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
      throw error instanceof DependencyUnavailableError
        ? error
        : new DependencyUnavailableError('session_store', 'the session store is unavailable; retry shortly', {
            cause: error,
          });
    }
  }
}

function jtiOf(member: string): string {
  return member.slice(member.indexOf(':') + 1);
}

function parseSession(value: string | null): Session | null {
  return value ? (JSON.parse(value) as Session) : null;
}
