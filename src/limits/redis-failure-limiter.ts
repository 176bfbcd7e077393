import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../errors.js';
import { addressKeyPart, clientKeyPart, deploymentKeyPart, limitsDisabled, type Block, type FailureLimiter, type FailureLimits } from './types.js';

/**
 * Key layout, where <address> is an IPv4 address or an IPv6 /64 (see addressKeyPart). `{<address>}` is
 * a Redis Cluster hash tag: both counters of one address share a slot, so one command reads them and
 * one script writes them.
 *   tg:rl:<deployment>:{<address>}:ip               failures from the address, any client_id
 *   tg:rl:<deployment>:{<address>}:client:<digest>  failures from the address for one client_id
 */
function counterKeys(deployment: string, ip: string, clientId: string): [perIp: string, perPair: string] {
  const tag = `tg:rl:${deployment}:{${addressKeyPart(ip)}}`;
  return [`${tag}:ip`, `${tag}:client:${clientKeyPart(clientId)}`];
}

/** KEYS: per-IP, per-pair counter. ARGV: window in ms. A window starts at its first failure. */
const RECORD_SCRIPT = `
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return 1
`;

interface LimiterCommands {
  recordFailure(ipCounter: string, pairCounter: string, windowMs: number): Promise<number>;
}

/** Shared by every instance through Redis, so the limits hold however requests are balanced. */
export class RedisFailureLimiter implements FailureLimiter {
  private readonly redis: Redis & LimiterCommands;
  private readonly disabled: boolean;

  private readonly deployment: string;

  constructor(
    redis: Redis,
    private readonly limits: FailureLimits,
    issuer: string,
  ) {
    this.deployment = deploymentKeyPart(issuer);
    redis.defineCommand('recordFailure', { numberOfKeys: 2, lua: RECORD_SCRIPT });
    this.redis = redis as Redis & LimiterCommands;
    this.disabled = limitsDisabled(limits);
  }

  /**
   * Every token request asks this, so it is one plain MGET, cheaper than a script; only a caller
   * already over a limit costs a second command, for Retry-After.
   */
  async blocked(ip: string, clientId: string): Promise<Block | null> {
    if (this.disabled) return null;
    const keys = counterKeys(this.deployment, ip, clientId);
    const limits = [this.limits.perIp, this.limits.perClientIp];
    const counts = await this.call(() => this.redis.mget(keys));
    const exceeded = keys.filter((_, i) => limits[i]! > 0 && Number(counts[i] ?? 0) >= limits[i]!);
    if (exceeded.length === 0) return null;
    const remaining = Math.max(...(await this.call(() => Promise.all(exceeded.map((key) => this.redis.pttl(key))))));
    // A window that ended between the two commands blocks nothing.
    return remaining > 0 ? { retryAfterMs: remaining } : null;
  }

  async recordFailure(ip: string, clientId: string): Promise<void> {
    if (this.disabled) return;
    await this.call(() => this.redis.recordFailure(...counterKeys(this.deployment, ip, clientId), this.limits.windowMs));
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new DependencyUnavailableError('the rate limit store is unavailable', { cause: error });
    }
  }
}
