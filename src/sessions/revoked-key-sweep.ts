import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import type { ClientStore } from '../clients/store.js';
import type { Logger } from '../observability/logger.js';
import type { Actor } from '../x/actor.js';
import type { SessionStore } from './types.js';

const CLIENTS_PER_BATCH = 500;
const SESSIONS_PER_PAGE = 200;

/**
 * After a signing key is revoked, removes the sessions of the tokens it signed (each session records
 * its kid). Those tokens are refused already, on every instance, because their key left the key ring;
 * this frees the places they hold under MAX_SESSIONS_PER_CLIENT and takes them out of session lists.
 *
 * Sessions are indexed per client, not per key, so this walks every client's sessions once: O(clients
 * + sessions) store calls, in the background, one batch of clients at a time with a yield in between.
 * The session store is shared, so one instance's sweep covers all of them. A sweep cut short (shutdown,
 * outage) leaves dead sessions behind, which expire with their tokens.
 */
export class RevokedKeySessionSweep {
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly clients: ClientStore,
    private readonly sessions: SessionStore,
    private readonly audit: AuditTrail,
    private readonly logger: Logger,
  ) {}

  /** Starts a sweep and returns at once (the admin API); see `run`. */
  start(kid: string, actor: Actor): void {
    if (this.closed) return;
    const sweep = this.run(kid, actor).then(
      () => undefined,
      (error: unknown) =>
        this.logger.warn(
          { err: error, kid },
          'could not remove every session signed by a revoked key; its tokens are refused anyway',
        ),
    );
    this.running.add(sweep);
    void sweep.finally(() => this.running.delete(sweep));
  }

  /** Sweeps to the end (the CLI waits for it); audited as `sessions.revoked` with the kid and the count. */
  async run(kid: string, actor: Actor): Promise<number> {
    const revoked = await this.sweep(kid);
    this.audit.record(adminEvent('sessions.revoked', actor, {}, { kid, revoked }));
    this.logger.info({ kid, revoked }, 'removed the sessions of tokens signed by a revoked key');
    return revoked;
  }

  /** Stops between batches and waits for the batch in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.running);
  }

  private async sweep(kid: string): Promise<number> {
    let revoked = 0;
    let cursor: string | null = null;
    do {
      if (this.closed) throw new Error('stopped by shutdown');
      const { items: records, next } = await this.clients.page({ limit: CLIENTS_PER_BATCH, after: cursor });
      const counts = await Promise.all(records.map((record) => this.sweepClient(record.clientId, kid)));
      revoked += counts.reduce((sum, count) => sum + count, 0);
      cursor = next;
      await yieldToEventLoop();
    } while (cursor !== null);
    return revoked;
  }

  private async sweepClient(clientId: string, kid: string): Promise<number> {
    let revoked = 0;
    let cursor: string | null = null;
    do {
      // Revoking behind the cursor does not move it: the next page starts after the last order key seen.
      const page = await this.sessions.list(clientId, { limit: SESSIONS_PER_PAGE, after: cursor });
      for (const session of page.items) {
        if (session.kid === kid && (await this.sessions.revoke(clientId, session.jti))) revoked += 1;
      }
      cursor = page.next;
    } while (cursor !== null);
    return revoked;
  }
}
