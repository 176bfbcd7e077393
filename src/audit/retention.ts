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

/** Partitions exist this many days ahead, so inserts never wait for one: a week of maintenance may fail first. */
const PARTITION_DAYS_AHEAD = 7;

/** Small deletes keep each transaction short, so inserts of new events never wait long behind a sweep. */
const PRUNE_CHUNK_ROWS = 5_000;
/** One sweep deletes at most this many chunks (500 000 events); a larger backlog goes on at the next sweep. */
const MAX_CHUNKS_PER_SWEEP = 100;

/**
 * The audit trail's hourly maintenance, in every instance; the one holding the maintenance lock does
 * it (src/db/locks.ts), the others find it done. It creates the day partitions of audit_events a week
 * ahead, and drops whole days older than AUDIT_RETENTION_DAYS: an event goes once its whole UTC day is
 * past the retention, between AUDIT_RETENTION_DAYS and one day more after it happened. Events of days
 * without a partition (the default partition: before partitioning, or a clock far off) are deleted
 * row by row, in small chunks as before.
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

  /** Schedules sweeps; with a retention of 0 days events are kept forever, and sweeps only create partitions. */
  start(): void {
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

  /**
   * Creates partitions ahead and removes events older than the retention period as of `now`, up to the
   * bound of one sweep; returns how many events this instance removed (for dropped partitions, the
   * planner's estimate: counting them would cost a scan of each day).
   */
  async prune(now: Date = new Date()): Promise<number> {
    const cutoff = this.retentionDays === 0 ? null : new Date(now.getTime() - this.retentionDays * DAY_MS);
    const maintenance = await this.store.maintainPartitions(now, PARTITION_DAYS_AHEAD, cutoff);
    if (maintenance?.dropped.length)
      this.logger.info(
        {
          partitions: maintenance.dropped.map((partition) => partition.name),
          estimated_rows: maintenance.droppedRows,
          before: cutoff?.toISOString(),
        },
        'dropped audit partitions past their retention',
      );
    if (cutoff === null) return 0;
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
    return total + (maintenance?.droppedRows ?? 0);
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
