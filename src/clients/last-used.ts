import type { Logger } from '../observability/logger.js';
import type { ClientStore } from './store.js';
import type { ClientRecord } from './types.js';

const FLUSH_INTERVAL_MS = 30_000;

/**
 * Records last_used_at without making token issuance wait for a database write. A client's first use
 * (last_used_at still null) is written at once, in the background, so a new client shows as used right
 * away; later uses are collected and written in one batched statement every 30 s. Past the first use the
 * value is coarse (to the minute) by design.
 */
export class LastUsedRecorder {
  private pending = new Set<string>();
  /** First uses written since the last flush: the token endpoint's cached record says null until its TTL. */
  private firstUsesWritten = new Set<string>();
  private readonly writes = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: ClientStore,
    private readonly logger: Logger,
    flushIntervalMs: number = FLUSH_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** `client` as the token endpoint has it, which says whether this may be its first use. */
  record(client: Pick<ClientRecord, 'clientId' | 'lastUsedAt'>): void {
    if (client.lastUsedAt === null && !this.firstUsesWritten.has(client.clientId)) {
      this.firstUsesWritten.add(client.clientId);
      this.track(this.write([client.clientId]));
    } else {
      this.pending.add(client.clientId);
    }
  }

  /** Writes what is batched now; waits for first uses still being written. */
  async flush(): Promise<void> {
    this.firstUsesWritten = new Set();
    const batch = [...this.pending];
    this.pending = new Set();
    await Promise.all([...this.writes, batch.length > 0 ? this.write(batch) : undefined]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** A failed write goes back into the batch, for the next flush to retry. Never throws. */
  private async write(clientIds: readonly string[]): Promise<void> {
    try {
      await this.store.touchLastUsed(clientIds, new Date());
    } catch (error) {
      this.logger.warn({ err: error, clients: clientIds.length }, 'could not record last_used_at; will retry');
      for (const clientId of clientIds) this.pending.add(clientId);
    }
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }
}
