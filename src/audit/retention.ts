import type { Logger } from '../observability/logger.js';
import type { AuditStore } from './store.js';

const DAY_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;
/** The first sweep waits a little, so a restart storm does not start with a burst of deletes. */
const FIRST_PRUNE_DELAY_MS = 60_000;
/** Small deletes keep each transaction short, so inserts of new events never wait long behind a sweep. */
const PRUNE_CHUNK_ROWS = 5_000;

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS, hourly, in every instance. Instances take an
 * advisory lock per chunk, so at most one deletes at a time and the others find the work done.
 */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly store: AuditStore,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  /** Schedules sweeps; with a retention of 0 days events are kept forever and nothing is scheduled. */
  start(): void {
    if (this.retentionDays === 0) return;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        this.running = this.prune().catch((error: unknown) => {
          this.logger.warn({ err: error }, 'audit retention sweep failed; it runs again within the hour');
          return 0;
        });
        void this.running.finally(() => {
          if (!this.stopped) schedule(PRUNE_INTERVAL_MS);
        });
      }, delayMs);
      this.timer.unref();
    };
    schedule(FIRST_PRUNE_DELAY_MS);
  }

  /** Deletes every event older than the retention period as of `now`; returns how many this instance deleted. */
  async prune(now: Date = new Date()): Promise<number> {
    if (this.retentionDays === 0) return 0;
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    let total = 0;
    while (!this.stopped) {
      const deleted = await this.store.deleteOlderThan(cutoff, PRUNE_CHUNK_ROWS);
      if (deleted === null) break;
      total += deleted;
      if (deleted < PRUNE_CHUNK_ROWS) break;
    }
    if (total > 0) this.logger.info({ deleted: total, before: cutoff.toISOString() }, 'pruned audit events past their retention');
    return total;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
