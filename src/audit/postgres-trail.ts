import { inRounds } from '../db/rounds.js';
import type { Logger } from '../observability/logger.js';
import type { AuditEventInput, AuditTrail } from './event.js';
import type { LogAuditTrail } from './log-trail.js';
import { type AuditStore, type SerialisedAuditRow, serialiseRow } from './store.js';

export interface AuditQueueOptions {
  /** Events per INSERT statement. */
  readonly batchSize: number;
  /** How often queued events are written, and the first retry delay after a failure (doubling after). */
  readonly flushIntervalMs: number;
  /** Past this many unwritten events, new events are logged but not stored (and counted). */
  readonly maxQueued: number;
  /** Tries per batch before it is given up (and counted). */
  readonly maxAttempts: number;
  /** How long `close()` may spend writing what is left, within the 10 s shutdown budget. */
  readonly closeTimeoutMs: number;
  /** Event types that are logged but not stored (AUDIT_TOKEN_EVENTS=log); they count as neither stored nor lost. */
  readonly logOnlyTypes: ReadonlySet<string>;
}

/** About 31 s of retries rides out a Postgres restart; 20 000 queued events stay within a few tens of MB. */
export const AUDIT_QUEUE_DEFAULTS: AuditQueueOptions = {
  batchSize: 500,
  flushIntervalMs: 1_000,
  maxQueued: 20_000,
  maxAttempts: 6,
  closeTimeoutMs: 5_000,
  logOnlyTypes: new Set(),
};

export interface AuditTrailStats {
  /** Events waiting to be written (the audit queue depth). */
  readonly queued: number;
  readonly stored: number;
  /** Events that could not be written: queue full, retries exhausted, or left at shutdown. Each was logged. */
  readonly notStored: number;
}

interface Batch {
  readonly events: SerialisedAuditRow[];
  attempts: number;
  retryAt: number;
}

/**
 * Logs every event at once (LogAuditTrail) and stores it in Postgres in batches. `record` only appends
 * to an in-memory queue, so the token endpoint never waits for the database; a timer writes the queue
 * with multi-row inserts, one statement at a time. Nothing is dropped silently: an event that cannot be
 * stored is counted in `stats()` and reported in the log, next to its own log line.
 */
export class PostgresAuditTrail implements AuditTrail {
  private queue: SerialisedAuditRow[] = [];
  /** The batch being written, or waiting to be retried. */
  private current: Batch | null = null;
  private stored = 0;
  private notStored = 0;
  /** Events refused since the last report, reported once per tick rather than once per event. */
  private refused = 0;
  private closed = false;
  private writing = false;
  private tickScheduled = false;
  private exclusive: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: AuditStore,
    private readonly log: LogAuditTrail,
    private readonly logger: Logger,
    private readonly options: AuditQueueOptions = AUDIT_QUEUE_DEFAULTS,
  ) {
    this.timer = setInterval(() => this.tick(), options.flushIntervalMs);
    this.timer.unref();
  }

  record(input: AuditEventInput): void {
    const { event, json } = this.log.record(input);
    if (this.options.logOnlyTypes.has(event.type)) return;
    if (this.closed) {
      this.notStored += 1;
      this.logger.error(
        { not_stored: 1, id: event.id },
        'audit event recorded after shutdown was logged but not stored',
      );
      return;
    }
    if (this.depth() >= this.options.maxQueued) {
      this.notStored += 1;
      this.refused += 1;
      return;
    }
    this.queue.push(serialiseRow(event, json));
    if (this.queue.length >= this.options.batchSize && this.current === null && !this.tickScheduled) {
      // Not inline: building a 500-row statement does not belong in the caller's request.
      this.tickScheduled = true;
      setImmediate(() => this.tick());
    }
  }

  stats(): AuditTrailStats {
    return { queued: this.depth(), stored: this.stored, notStored: this.notStored };
  }

  /** Writes everything queued now, one attempt per batch; a batch that fails stays queued for a retry. */
  async flush(): Promise<void> {
    await this.runExclusive(() => this.drain(true));
    this.reportRefused();
  }

  /** Stops the timer and writes what is left, for at most `closeTimeoutMs`; the rest is counted and logged. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise((resolve) => (timeout = setTimeout(resolve, this.options.closeTimeoutMs))),
    ]);
    clearTimeout(timeout);
    const left = this.depth();
    if (left > 0) {
      this.notStored += left;
      this.logger.error(
        { not_stored: left },
        'audit events could not be stored before shutdown; each one is in the log',
      );
    }
    this.queue = [];
    this.current = null;
  }

  private depth(): number {
    return this.queue.length + (this.current?.events.length ?? 0);
  }

  private tick(): void {
    this.tickScheduled = false;
    this.reportRefused();
    if (!this.writing) void this.runExclusive(() => this.drain(false));
  }

  /** One writer at a time, so batches go out in order and a retry never races its own first attempt. */
  private runExclusive(work: () => Promise<void>): Promise<void> {
    const run = this.exclusive.then(async () => {
      this.writing = true;
      try {
        await work();
      } finally {
        this.writing = false;
      }
    });
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes batch after batch until the queue is empty or a write fails, at most a full queue's worth per
   * call (events arriving meanwhile wait for the next tick). Never throws.
   */
  private async drain(ignoreBackoff: boolean): Promise<void> {
    const maxBatches = Math.ceil(this.options.maxQueued / this.options.batchSize) + 1;
    await inRounds(maxBatches, async () => {
      if (!this.current) {
        if (this.queue.length === 0) return false;
        this.current = { events: this.queue.splice(0, this.options.batchSize), attempts: 0, retryAt: 0 };
      }
      if (!ignoreBackoff && Date.now() < this.current.retryAt) return false;
      return this.writeCurrent();
    });
  }

  private async writeCurrent(): Promise<boolean> {
    const batch = this.current!;
    try {
      // A retry may follow a write that committed but whose answer was lost: only the first try copies.
      if (batch.attempts === 0) await this.store.copySerialised(batch.events);
      else await this.store.insertSerialised(batch.events);
      this.stored += batch.events.length;
      this.current = null;
      return true;
    } catch (error) {
      batch.attempts += 1;
      const ids = { first_id: batch.events[0]!.id, last_id: batch.events[batch.events.length - 1]!.id };
      if (batch.attempts >= this.options.maxAttempts) {
        this.notStored += batch.events.length;
        this.current = null;
        this.logger.error(
          { err: error, not_stored: batch.events.length, attempts: batch.attempts, ...ids },
          'gave up storing audit events; each one is in the log',
        );
      } else {
        batch.retryAt = Date.now() + this.options.flushIntervalMs * 2 ** (batch.attempts - 1);
        this.logger.warn(
          { err: error, events: batch.events.length, attempt: batch.attempts, ...ids },
          'could not store audit events; will retry',
        );
      }
      return false;
    }
  }

  private reportRefused(): void {
    if (this.refused === 0) return;
    this.logger.error(
      { not_stored: this.refused, max_queued: this.options.maxQueued },
      'audit queue full: events were logged but not stored',
    );
    this.refused = 0;
  }
}
