import { FixedWindowCounters } from './fixed-window.js';
import { addressKeyPart, clientKeyPart } from './key-parts.js';
import {
  type Block,
  type BlockStart,
  type FailureCounter,
  type FailureLimiter,
  type FailureLimits,
  failureCounters,
} from './types.js';

/** Single-node: the counters live in this process. */
export class MemoryFailureLimiter implements FailureLimiter {
  private readonly counters = new FixedWindowCounters();

  constructor(private readonly limits: FailureLimits) {}

  async blocked(ip: string, clientId: string | null): Promise<Block | null> {
    const now = Date.now();
    let retryAfterMs = 0;
    for (const { key, max } of this.counted(ip, clientId)) {
      const { count, remainingMs } = this.counters.peek(key, now);
      if (count >= max) retryAfterMs = Math.max(retryAfterMs, remainingMs);
    }
    return retryAfterMs > 0 ? { retryAfterMs } : null;
  }

  async recordFailure(ip: string, clientId: string | null): Promise<readonly BlockStart[]> {
    const now = Date.now();
    const started: BlockStart[] = [];
    for (const { key, max, limit } of this.counted(ip, clientId)) {
      if (this.counters.increment(key, this.limits.windowMs, now) === max)
        started.push({ limit, durationMs: this.counters.peek(key, now).remainingMs });
    }
    return started;
  }

  private counted(ip: string, clientId: string | null): FailureCounter[] {
    const address = addressKeyPart(ip);
    return failureCounters(this.limits, {
      perIp: `ip ${address}`,
      perClientIp: clientId === null ? null : `pair ${address} ${clientKeyPart(clientId)}`,
    });
  }
}
