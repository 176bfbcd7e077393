import { DependencyUnavailableError } from '../x/errors.js';
import { type ReplayCache, replayIdDigest } from './replay-cache.js';

/** Bounds memory whatever callers send; see firstUse for what happens when it is reached. */
const DEFAULT_MAX_ENTRIES = 200_000;
const SWEEP_INTERVAL_MS = 30_000;
/** Even an identifier whose token is expiring now is remembered this long. */
const MIN_TTL_MS = 1_000;

/**
 * Single-node: the used identifiers live in this process, each until its expiry. Expired entries are
 * swept periodically and whenever the cache is full. A cache still full of live entries refuses (503)
 * rather than forget one: forgetting would let that identifier be replayed.
 */
export class MemoryReplayCache implements ReplayCache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async firstUse(partition: string, id: string, expiresAtMs: number): Promise<boolean> {
    const now = Date.now();
    const key = `${partition}\u0000${replayIdDigest(id)}`;
    const expiry = this.entries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    if (expiry === undefined && this.entries.size >= this.maxEntries) {
      this.sweep(now);
      if (this.entries.size >= this.maxEntries)
        throw new DependencyUnavailableError('replay_cache', 'too many single-use identifiers are live; retry shortly');
    }
    this.entries.set(key, Math.max(expiresAtMs, now + MIN_TTL_MS));
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [key, expiry] of this.entries) if (expiry <= now) this.entries.delete(key);
  }
}
