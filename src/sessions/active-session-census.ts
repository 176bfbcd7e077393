import type { ClientStore } from '../clients/store.js';
import { inRounds } from '../db/rounds.js';
import type { Logger } from '../observability/logger.js';
import { withTimeLimit } from '../x/time-limit.js';
import type { SessionStore } from './types.js';

/** A scrape every few seconds, on every worker, must not turn into a recount every few seconds. */
const CENSUS_MAX_AGE_MS = 15_000;
/** A scrape during an outage answers with the last count instead of waiting for the recount. */
const SCRAPE_WAIT_MS = 1_000;
const CLIENTS_PER_BATCH = 1_000;
/** A million clients; past that the census gives up rather than run on, and the gauge keeps its last value. */
const MAX_BATCHES = 1_000;

/**
 * Counts live sessions at scrape time instead of keeping a counter on the hot path: each client's
 * session index already answers "how many live" in O(log n) (expired entries are excluded by range),
 * so the census is one pipelined command per client, batched, and cached for 15 s.
 */
export class ActiveSessionCensus {
  private last: { readonly count: number; readonly at: number } | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly clients: ClientStore,
    private readonly sessions: SessionStore,
    private readonly logger: Logger,
    private readonly maxAgeMs: number = CENSUS_MAX_AGE_MS,
  ) {}

  /** The latest count, or null when none could be made yet. */
  async count(): Promise<number | null> {
    if (this.last && Date.now() - this.last.at < this.maxAgeMs) return this.last.count;
    try {
      return await withTimeLimit(this.recount(), SCRAPE_WAIT_MS, 'the session census');
    } catch (error) {
      this.logger.debug({ err: error }, 'active session census unavailable; reporting the last count');
      return this.last?.count ?? null;
    }
  }

  private recount(): Promise<number> {
    this.running ??= this.countAll()
      .then((count) => {
        this.last = { count, at: Date.now() };
        return count;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async countAll(): Promise<number> {
    let total = 0;
    let cursor: string | null = null;
    const { finished } = await inRounds(MAX_BATCHES, async () => {
      const { items: records, next } = await this.clients.page({ limit: CLIENTS_PER_BATCH, after: cursor });
      const counts = await Promise.all(records.map((record) => this.sessions.count(record.clientId)));
      total += counts.reduce((sum, count) => sum + count, 0);
      cursor = next;
      return cursor !== null;
    });
    if (!finished) {
      const message = `the active session census gave up after ${MAX_BATCHES * CLIENTS_PER_BATCH} clients`;
      this.logger.warn(message);
      throw new Error(message);
    }
    return total;
  }
}
