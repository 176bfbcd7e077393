import type { Logger } from '../observability/logger.js';

export interface RefreshingSnapshotOptions<T> {
  /** What the snapshot describes, for log lines. */
  readonly name: string;
  readonly load: () => Promise<T>;
  /** Past this age a read starts a reload in the background; the read itself never waits. */
  readonly ttlMs: number;
  readonly logger: Logger;
}

/**
 * A small data set the hot path reads on every request (roles, API switches), held in memory. Reads
 * return the current value at once; change-feed notices and age trigger reloads. When the database does
 * not answer, the last value keeps serving (it only ever changes through an admin action) and the next
 * read tries again.
 */
export class RefreshingSnapshot<T> {
  private value: T | undefined;
  private loadedAt = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly options: RefreshingSnapshotOptions<T>) {}

  /** The first load must succeed: a server that cannot read its roles or switches must not start. */
  async initialize(): Promise<void> {
    this.set(await this.options.load());
  }

  current(): T {
    if (this.value === undefined) throw new Error(`${this.options.name} read before initialize()`);
    if (!this.running && Date.now() - this.loadedAt >= this.options.ttlMs) void this.refresh();
    return this.value;
  }

  /**
   * Reloads; never throws. A load already running may have read the database before the change that
   * prompted this call, so the caller waits for a fresh one queued behind it (shared by every caller
   * that arrives meanwhile).
   */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.load();
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      this.running = this.load();
      return this.running;
    });
    return this.queued;
  }

  private async load(): Promise<void> {
    try {
      this.set(await this.options.load());
      this.options.logger.debug({ snapshot: this.options.name }, 'reloaded an in-memory snapshot');
    } catch (error) {
      this.options.logger.warn({ err: error }, `could not reload ${this.options.name}; serving the last known value`);
    } finally {
      this.running = undefined;
    }
  }

  private set(value: T): void {
    this.value = value;
    this.loadedAt = Date.now();
  }
}
