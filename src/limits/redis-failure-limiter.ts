import { REDIS_CALL_LIMIT_MS, type RedisConnection } from '../redis/connection.js';
import { DependencyUnavailableError } from '../x/errors.js';
import { withTimeLimit } from '../x/time-limit.js';
import { addressKeyPart, clientKeyPart, deploymentKeyPart } from './key-parts.js';
import {
  type Block,
  type BlockStart,
  type FailureCounter,
  type FailureLimiter,
  type FailureLimits,
  failureCounters,
} from './types.js';

/**
 * KEYS: the counters (per-IP first). ARGV: the window in ms, then each counter's limit. A window starts
 * at its first failure. Answers, for each counter that this failure brought to its limit, its position
 * and the milliseconds left in its window: INCR reaches the limit exactly once per window, so exactly
 * one failure, on one instance, reports each block.
 */
const RECORD_SCRIPT = `
local started = {}
for i = 1, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  if count == tonumber(ARGV[i + 1]) then
    started[#started + 1] = i
    started[#started + 1] = redis.call('PTTL', KEYS[i])
  end
end
return started
`;

interface LimiterCommands {
  recordFailure(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/**
 * Shared by every instance through Redis, so the limits hold however requests are balanced.
 *
 * Key layout, where <address> is an IPv4 address or an IPv6 /64 (see addressKeyPart). `{<address>}` is
 * a Redis Cluster hash tag: both counters of one address share a slot, so one command reads them and
 * one script writes them.
 *   tg:rl:<deployment>:{<address>}:ip               failures from the address, any client_id or none
 *   tg:rl:<deployment>:{<address>}:client:<digest>  failures from the address for one client_id
 */
export class RedisFailureLimiter implements FailureLimiter {
  private readonly redis: RedisConnection & LimiterCommands;
  private readonly deployment: string;

  constructor(
    redis: RedisConnection,
    private readonly limits: FailureLimits,
    issuer: string,
  ) {
    this.deployment = deploymentKeyPart(issuer);
    // No fixed number of keys: a request without a client_id has one counter, others two.
    redis.defineCommand('recordFailure', { lua: RECORD_SCRIPT });
    this.redis = redis as RedisConnection & LimiterCommands;
  }

  /**
   * Every token request asks this, so it is one plain MGET, cheaper than a script; only a caller
   * already over a limit costs a second command, for Retry-After.
   */
  async blocked(ip: string, clientId: string | null): Promise<Block | null> {
    const counters = this.counters(ip, clientId);
    if (counters.length === 0) return null;
    const counts = await this.call(() => this.redis.mget(counters.map(({ key }) => key)));
    const exceeded = counters.filter(({ max }, i) => Number(counts[i] ?? 0) >= max);
    if (exceeded.length === 0) return null;
    const remaining = Math.max(
      ...(await this.call(() => Promise.all(exceeded.map(({ key }) => this.redis.pttl(key))))),
    );
    // A window that ended between the two commands blocks nothing.
    return remaining > 0 ? { retryAfterMs: remaining } : null;
  }

  async recordFailure(ip: string, clientId: string | null): Promise<readonly BlockStart[]> {
    const counters = this.counters(ip, clientId);
    if (counters.length === 0) return [];
    const keys = counters.map(({ key }) => key);
    const reply = await this.call(() =>
      this.redis.recordFailure(keys.length, ...keys, this.limits.windowMs, ...counters.map(({ max }) => max)),
    );
    const started: BlockStart[] = [];
    for (let i = 0; i < reply.length; i += 2)
      started.push({ limit: counters[reply[i]! - 1]!.limit, durationMs: Math.max(0, reply[i + 1]!) });
    return started;
  }

  private counters(ip: string, clientId: string | null): FailureCounter[] {
    const tag = `tg:rl:${this.deployment}:{${addressKeyPart(ip)}}`;
    return failureCounters(this.limits, {
      perIp: `${tag}:ip`,
      perClientIp: clientId === null ? null : `${tag}:client:${clientKeyPart(clientId)}`,
    });
  }

  /** Bounded in time however the client retries during a failover: past it the request answers 503. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await withTimeLimit(operation(), REDIS_CALL_LIMIT_MS, 'the rate limit store');
    } catch (error) {
      throw new DependencyUnavailableError('rate_limit_store', 'the rate limit store is unavailable; retry shortly', {
        cause: error,
      });
    }
  }
}
