import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import {
  duplicateConnection,
  pingEveryMaster,
  REDIS_CALL_LIMIT_MS,
  type RedisConnection,
  refreshTopology,
} from '../redis/connection.js';
import { DependencyUnavailableError } from '../x/errors.js';
import { withTimeLimit } from '../x/time-limit.js';
import { expiryPrefix, nowSeconds, sessionOrderKey } from './order-key.js';
import type { CreateLimits, CreateOutcome, Session, SessionStore } from './types.js';

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

const REVOKE_ALL_BATCH = 500;
/** How long a new session waits for REDIS_MIN_REPLICAS_ACK replicas before its token is refused. */
const REPLICA_ACK_TIMEOUT_MS = 500;
/**
 * WAIT blocks the connection that sent it until the replicas acknowledge, so durable creates go through
 * connections of their own (introspection never queues behind a WAIT), several so they overlap.
 */
const DURABLE_CONNECTIONS = 8;

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

type ScriptedRedis = RedisConnection & ScriptCommands;

type CreateReply = Awaited<ReturnType<ScriptCommands['createSession']>>;

/** A pipeline of the create script and WAIT, as ioredis types it loosely. */
interface ReplicatedCreate {
  createSession(...args: Parameters<ScriptCommands['createSession']>): ReplicatedCreate;
  wait(replicas: number, timeoutMs: number): ReplicatedCreate;
  exec(): Promise<[[Error | null, CreateReply], [Error | null, number]]>;
}

/**
 * Sessions in one Redis, a Sentinel group's master or a Redis Cluster: every script and multi-key
 * command names keys of one client only, so of one slot; nothing here spans slots.
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly redis: ScriptedRedis;
  private readonly durable: ScriptedRedis[];
  private nextDurable = 0;

  /** `minReplicasAck` > 0: a session counts as created only once that many replicas hold it (WAIT). */
  constructor(
    redis: RedisConnection,
    private readonly minReplicasAck = 0,
  ) {
    this.redis = withScripts(redis);
    this.durable =
      minReplicasAck > 0
        ? Array.from({ length: DURABLE_CONNECTIONS }, () => {
            const connection = duplicateConnection(redis);
            connection.on('error', () => undefined);
            return withScripts(connection);
          })
        : [];
  }

  create(session: Session, limits: CreateLimits): Promise<CreateOutcome> {
    return this.limitedCall('creating a session', async () => {
      const args: Parameters<ScriptCommands['createSession']> = [
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
      ];
      const [status, retryAfterMs] =
        this.minReplicasAck > 0 ? await this.createReplicated(session, args) : await this.redis.createSession(...args);
      return status === 'rate_limited' ? { status, retryAfterMs: retryAfterMs! } : { status };
    });
  }

  /**
   * The script and WAIT in one pipeline, so WAIT goes to the master that ran the script (on a cluster,
   * the client's slot's). Too few acknowledgements: the session is taken back and the caller answers 503,
   * since a failover now could lose it.
   */
  private async createReplicated(
    session: Session,
    args: Parameters<ScriptCommands['createSession']>,
  ): Promise<CreateReply> {
    const connection = this.durable[this.nextDurable++ % this.durable.length]!;
    const pipeline = connection.pipeline() as unknown as ReplicatedCreate;
    const [[createError, outcome], [waitError, acknowledged]] = await pipeline
      .createSession(...args)
      .wait(this.minReplicasAck, REPLICA_ACK_TIMEOUT_MS)
      .exec();
    if (createError || waitError) refreshTopology(connection);
    if (createError) throw createError;
    if (outcome[0] !== 'created') return outcome;
    if (waitError || acknowledged < this.minReplicasAck) {
      await this.discard(session).catch(() => undefined);
      throw new DependencyUnavailableError(
        'session_store',
        `only ${waitError ? 0 : acknowledged} of the ${this.minReplicasAck} Redis replicas required acknowledged the session; retry shortly`,
        waitError ? { cause: waitError } : undefined,
      );
    }
    return outcome;
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
    return this.limitedCall('reading a session', async () =>
      parseSession(await this.redis.get(sessionKey(clientId, jti))),
    );
  }

  list(clientId: string, { limit, after }: PageRequest): Promise<Page<Session>> {
    return this.call(async () => {
      const members = await this.redis.zrange(
        indexKey(clientId),
        after ? `(${after}` : '+',
        `[${expiryPrefix(nowSeconds())}`,
        'BYLEX',
        'REV',
        'LIMIT',
        0,
        limit + 1,
      );
      const page = pageOf(members, limit, (member) => member);
      const values = page.items.length
        ? await this.redis.mget(page.items.map((member) => sessionKey(clientId, jtiOf(member))))
        : [];
      return {
        items: values.map(parseSession).filter((session): session is Session => session !== null),
        next: page.next,
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

  /** Every master answers (on a cluster each is asked: one down leaves some clients unserved). */
  async ping(): Promise<void> {
    await this.call(() => pingEveryMaster(this.redis));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    for (const connection of this.durable) connection.disconnect();
  }

  /** A hot-path call: bounded in time however the client retries during a failover. */
  private limitedCall<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return this.call(() => withTimeLimit(operation(), REDIS_CALL_LIMIT_MS, what));
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

function withScripts(redis: RedisConnection): ScriptedRedis {
  redis.defineCommand('createSession', { numberOfKeys: 3, lua: CREATE_SCRIPT });
  redis.defineCommand('revokeSession', { numberOfKeys: 2, lua: REVOKE_SCRIPT });
  redis.defineCommand('discardSession', { numberOfKeys: 3, lua: DISCARD_SCRIPT });
  return redis as ScriptedRedis;
}

function jtiOf(member: string): string {
  return member.slice(member.indexOf(':') + 1);
}

function parseSession(value: string | null): Session | null {
  return value ? (JSON.parse(value) as Session) : null;
}
