import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryFailureLimiter } from '../../src/limits/memory-failure-limiter.js';
import { RedisFailureLimiter } from '../../src/limits/redis-failure-limiter.js';
import type { FailureLimiter, FailureLimits } from '../../src/limits/types.js';
import { uniqueIp } from '../support/oauth.js';
import { REDIS_URL } from '../support/services.js';

const redis = new Redis(REDIS_URL);

afterAll(() => {
  redis.disconnect();
});

const LIMITERS: readonly [string, (limits: FailureLimits) => FailureLimiter][] = [
  ['in-process counters', (limits) => new MemoryFailureLimiter(limits)],
  // A fresh issuer per limiter: its own counters in the shared Redis.
  [
    'Redis',
    (limits) => new RedisFailureLimiter(redis, limits, `http://limiter-${randomBytes(4).toString('hex')}.test`),
  ],
];

const LIMITS: FailureLimits = { perClientIp: 3, perIp: 5, windowMs: 60_000 };

describe.each(LIMITERS)('failure limiter conformance: %s', (_name, create) => {
  it('reports the failure that reaches a limit as the start of a block, once', async () => {
    const limiter = create(LIMITS);
    const ip = uniqueIp();
    const starts = [];
    for (let i = 0; i < 3; i += 1) starts.push(await limiter.recordFailure(ip, 'tgc_guessed'));
    expect(starts.slice(0, 2)).toEqual([[], []]);
    expect(starts[2]).toEqual([{ limit: 'per_client_ip', durationMs: expect.any(Number) }]);
    expect(starts[2]![0]!.durationMs).toBeGreaterThan(0);
    expect(starts[2]![0]!.durationMs).toBeLessThanOrEqual(LIMITS.windowMs);
    expect(await limiter.blocked(ip, 'tgc_guessed')).toEqual({ retryAfterMs: expect.any(Number) });
    expect(await limiter.blocked(ip, 'tgc_other')).toBeNull();
    // Two more failures with other ids reach the address limit: a block of the address.
    expect(await limiter.recordFailure(ip, 'tgc_other')).toEqual([]);
    expect(await limiter.recordFailure(ip, 'tgc_third')).toEqual([{ limit: 'per_ip', durationMs: expect.any(Number) }]);
    expect(await limiter.blocked(ip, 'tgc_other')).not.toBeNull();
    expect(await limiter.blocked(ip, null)).not.toBeNull();
    // Past the limit, counting goes on (racing requests), but no second start is reported.
    expect(await limiter.recordFailure(ip, 'tgc_guessed')).toEqual([]);
  });

  it('counts a request without a client_id against its address only', async () => {
    const limiter = create(LIMITS);
    const ip = uniqueIp();
    for (let i = 0; i < 4; i += 1) expect(await limiter.recordFailure(ip, null)).toEqual([]);
    expect(await limiter.blocked(ip, null)).toBeNull();
    expect(await limiter.blocked(ip, 'tgc_any')).toBeNull();
    expect(await limiter.recordFailure(ip, null)).toEqual([{ limit: 'per_ip', durationMs: expect.any(Number) }]);
    expect(await limiter.blocked(ip, 'tgc_any')).not.toBeNull();
    expect(await limiter.blocked(uniqueIp(), null)).toBeNull();
  });

  it('reports exactly one start when failures race past the limit', async () => {
    const limiter = create(LIMITS);
    const ip = uniqueIp();
    const starts = (await Promise.all(Array.from({ length: 20 }, () => limiter.recordFailure(ip, null)))).flat();
    expect(starts).toEqual([{ limit: 'per_ip', durationMs: expect.any(Number) }]);
  });

  it('neither counts nor blocks with both limits off', async () => {
    const limiter = create({ perClientIp: 0, perIp: 0, windowMs: 60_000 });
    const ip = uniqueIp();
    for (let i = 0; i < 10; i += 1) expect(await limiter.recordFailure(ip, i % 2 ? null : 'tgc_x')).toEqual([]);
    expect(await limiter.blocked(ip, 'tgc_x')).toBeNull();
  });
});
