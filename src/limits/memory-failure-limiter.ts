import { FixedWindowCounters } from './fixed-window.js';
import { addressKeyPart, clientKeyPart, type Block, type FailureLimiter, type FailureLimits } from './types.js';

/** Single-node: the counters live in this process. */
export class MemoryFailureLimiter implements FailureLimiter {
  private readonly counters = new FixedWindowCounters();

  constructor(private readonly limits: FailureLimits) {}

  async blocked(ip: string, clientId: string): Promise<Block | null> {
    const now = Date.now();
    let retryAfterMs = 0;
    for (const [key, limit] of this.keys(ip, clientId)) {
      const { count, remainingMs } = this.counters.peek(key, now);
      if (limit > 0 && count >= limit) retryAfterMs = Math.max(retryAfterMs, remainingMs);
    }
    return retryAfterMs > 0 ? { retryAfterMs } : null;
  }

  async recordFailure(ip: string, clientId: string): Promise<void> {
    for (const [key, limit] of this.keys(ip, clientId)) {
      if (limit > 0) this.counters.increment(key, this.limits.windowMs);
    }
  }

  private keys(ip: string, clientId: string): [string, number][] {
    const address = addressKeyPart(ip);
    return [
      [`ip ${address}`, this.limits.perIp],
      [`pair ${address} ${clientKeyPart(clientId)}`, this.limits.perClientIp],
    ];
  }
}
