import type { Knex } from 'knex';
import type { AuditEvent } from './types.js';

const TABLE = 'audit_events';

/** Arbitrary constant: the advisory lock under which one instance at a time prunes old events. */
const PRUNE_LOCK_ID = 7_290_420;

/** Longer values are cut: a client_id in a failed token request is whatever the caller sent. */
const MAX_TEXT_LENGTH = 256;

export interface AuditEventFilter {
  readonly type?: string;
  readonly clientId?: string;
  readonly organizationId?: string;
  /** Inclusive. */
  readonly since?: Date;
  /** Exclusive. */
  readonly until?: Date;
}

/** Where a newest-first page ended: events strictly older than this come next. */
export interface AuditPosition {
  readonly at: Date;
  readonly id: string;
}

/**
 * Postgres refuses NUL characters in text and jsonb, and lone UTF-16 surrogates in jsonb. Either could
 * arrive in attacker-chosen values (a client_id on a failed request) and would fail a whole batch.
 */
function storable(text: string): string {
  return text.replace(/[\u0000\uD800-\uDFFF]/gu, '\uFFFD');
}

function storableText(text: string | null): string | null {
  return text === null ? null : storable(text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH)}…` : text);
}

function toRow(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at,
    type: storable(event.type),
    actor: storableText(event.actor),
    client_id: storableText(event.client_id),
    organization_id: storableText(event.organization_id),
    ip: storableText(event.ip),
    request_id: storableText(event.request_id),
    details: JSON.stringify(event.details, (_key, value: unknown) => (typeof value === 'string' ? storable(value) : value)),
  };
}

/** knex access for audit_events; nothing here decides anything. */
export class AuditStore {
  constructor(private readonly db: Knex) {}

  /** One multi-row statement. A retried batch that did commit the first time is not stored twice. */
  async insert(events: readonly AuditEvent[]): Promise<void> {
    await this.db(TABLE).insert(events.map(toRow)).onConflict('id').ignore();
  }

  /** Newest first, `limit` events strictly after `after` in that order. */
  async page(filter: AuditEventFilter, after: AuditPosition | null, limit: number): Promise<AuditEvent[]> {
    return this.db<AuditEvent>(TABLE)
      .select('id', 'at', 'type', 'actor', 'client_id', 'organization_id', 'ip', 'request_id', 'details')
      .modify((q) => {
        if (filter.type !== undefined) q.where('type', filter.type);
        if (filter.clientId !== undefined) q.where('client_id', filter.clientId);
        if (filter.organizationId !== undefined) q.where('organization_id', filter.organizationId);
        if (filter.since) q.where('at', '>=', filter.since);
        if (filter.until) q.where('at', '<', filter.until);
        if (after) q.whereRaw('(at, id) < (?, ?)', [after.at, after.id]);
      })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
  }

  /**
   * Deletes up to `limit` events older than `cutoff`, or returns null without deleting when another
   * instance is pruning right now.
   */
  async deleteOlderThan(cutoff: Date, limit: number): Promise<number | null> {
    return this.db.transaction<number | null>(async (trx) => {
      const { rows } = (await trx.raw('select pg_try_advisory_xact_lock(?) as locked', [PRUNE_LOCK_ID])) as { rows: { locked: boolean }[] };
      if (!rows[0]?.locked) return null;
      const oldest = trx(TABLE).select('id').where('at', '<', cutoff).orderBy('at').limit(limit);
      return Number(await trx(TABLE).whereIn('id', oldest).delete());
    });
  }
}
