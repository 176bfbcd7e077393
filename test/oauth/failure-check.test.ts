import type { Block, FailureLimiter } from '../../src/limits/types.js';
import { RateLimitedError } from '../../src/oauth/errors.js';
import { FailureCheck } from '../../src/oauth/failure-check.js';
import { DependencyUnavailableError } from '../../src/x/errors.js';

/** A limiter whose verdict the test settles by hand, recording who asked. */
class PendingLimiter implements FailureLimiter {
  readonly asked: [string, string | null][] = [];
  private settle!: { resolve: (block: Block | null) => void; reject: (error: unknown) => void };

  blocked(ip: string, clientId: string | null): Promise<Block | null> {
    this.asked.push([ip, clientId]);
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  async recordFailure(): Promise<never[]> {
    return [];
  }

  answer(block: Block | null): void {
    this.settle.resolve(block);
  }

  fail(error: unknown): void {
    this.settle.reject(error);
  }
}

describe('FailureCheck', () => {
  it('asks the limiter at once, for the address and client_id, before anyone awaits it', () => {
    const limiter = new PendingLimiter();
    new FailureCheck(limiter, '192.0.2.7', 'tgc_caller');
    expect(limiter.asked).toEqual([['192.0.2.7', 'tgc_caller']]);
  });

  it('lets a caller through that no failure blocks', async () => {
    const limiter = new PendingLimiter();
    const check = new FailureCheck(limiter, '192.0.2.7', null);
    limiter.answer(null);
    await expect(check.assertNotBlocked()).resolves.toBeUndefined();
  });

  it.each([
    [1, 1],
    [1_000, 1],
    [1_001, 2],
    [59_500, 60],
  ])('refuses a blocked caller with 429 and Retry-After, %i ms rounding up to %i s', async (ms, seconds) => {
    const limiter = new PendingLimiter();
    const check = new FailureCheck(limiter, '192.0.2.7', 'tgc_caller');
    limiter.answer({ retryAfterMs: ms });
    const error = await check.assertNotBlocked().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ limit: 'failed_authentication', retryAfterSeconds: seconds });
  });

  it("passes the limiter's own failure on when asked, not before", async () => {
    const limiter = new PendingLimiter();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const check = new FailureCheck(limiter, '192.0.2.7', 'tgc_caller');
      const outage = new DependencyUnavailableError('rate_limit_store', 'down');
      limiter.fail(outage);
      // A request that ends early never awaits the check: its pending verdict must not reject unhandled.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await expect(check.assertNotBlocked()).rejects.toBe(outage);
      // Asked twice, it answers the same way and asks the limiter no more.
      await expect(check.assertNotBlocked()).rejects.toBe(outage);
      expect(limiter.asked).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
