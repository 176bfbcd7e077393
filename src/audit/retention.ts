import { inRounds } from '../db/rounds.js';
import type { Logger } from '../observability/logger.js';
import type { AuditStore } from './store.js';

const DAY_MS = 86_400_000;

export interface RetentionTiming {
  /** The first sweep waits a little, so a restart storm does not start with a burst of deletes. */
  readonly firstRunDelayMs: number;
  readonly intervalMs: number;
}

export const RETENTION_TIMING: RetentionTiming = { firstRunDelayMs: 60_000, intervalMs: 3_600_000 };

/** Small deletes keep each transaction short, so inserts of new events never wait long behind a sweep. */
const PRUNE_CHUNK_ROWS = 5_000;
/** One sweep deletes at most this many chunks (500 000 events); a larger backlog goes on at the next sweep. */
const MAX_CHUNKS_PER_SWEEP = 100;

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
    private readonly timing: RetentionTiming = RETENTION_TIMING,
  ) {}

  /** Schedules sweeps; with a retention of 0 days events are kept forever and nothing is scheduled. */
  start(): void {
    if (this.retentionDays === 0) return;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        this.running = this.prune().catch((error: unknown) => {
          this.logger.warn({ err: error }, 'audit retention sweep failed; it runs again at the next interval');
          return 0;
        });
        void this.running.finally(() => {
          if (!this.stopped) schedule(this.timing.intervalMs);
        });
      }, delayMs);
      this.timer.unref();
    };
    schedule(this.timing.firstRunDelayMs);
  }

  /** Deletes events older than the retention period as of `now`, up to the bound of one sweep; returns how many this instance deleted. */
  async prune(now: Date = new Date()): Promise<number> {
    if (this.retentionDays === 0) return 0;
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    let total = 0;
    const { finished } = await inRounds(MAX_CHUNKS_PER_SWEEP, async () => {
      if (this.stopped) return false;
      const deleted = await this.store.deleteOlderThan(cutoff, PRUNE_CHUNK_ROWS);
      if (deleted === null) return false;
      total += deleted;
      return deleted === PRUNE_CHUNK_ROWS;
    });
    if (total > 0)
      this.logger.info({ deleted: total, before: cutoff.toISOString() }, 'pruned audit events past their retention');
    if (!finished)
      this.logger.warn({ deleted: total }, 'audit retention sweep reached its limit; the next sweep deletes the rest');
    return total;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
