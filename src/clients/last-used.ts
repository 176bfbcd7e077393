import type { Logger } from '../observability/logger.js';
import type { ClientStore } from './store.js';

const FLUSH_INTERVAL_MS = 30_000;

/**
 * Collects which clients got tokens and writes last_used_at in one batched statement every 30 s, so
 * issuing a token never waits for a database write. The value is coarse (to the minute) by design.
 */
export class LastUsedRecorder {
  private pending = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: ClientStore,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(clientId: string): void {
    this.pending.add(clientId);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Set();
    try {
      await this.store.touchLastUsed(batch, new Date());
    } catch (error) {
      this.logger.warn({ err: error, clients: batch.length }, 'could not record last_used_at; will retry');
      for (const clientId of batch) this.pending.add(clientId);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
