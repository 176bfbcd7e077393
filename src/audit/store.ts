import type { Knex } from 'knex';
import { copyRows, copyTextLine } from '../db/copy.js';
import { ifLockFree, LOCKS } from '../db/locks.js';
import { type Page, type PageRequest, pageOf } from '../db/paging.js';
import {
  addDays,
  createDailyPartition,
  type DailyPartition,
  defaultPartitionName,
  dropDailyPartition,
  estimatedRows,
  listDailyPartitions,
  utcDay,
} from '../db/partitions.js';
import type { AuditEvent } from './event.js';

/** Partitioned by day on `at` (migrations/20261203_001): see maintainPartitions. */
const TABLE = 'audit_events';
const DEFAULT_PARTITION = defaultPartitionName(TABLE);

/** What one maintenance run did. */
export interface PartitionMaintenance {
  readonly created: number;
  readonly dropped: readonly DailyPartition[];
  /** The planner's estimate of the rows the dropped partitions held. */
  readonly droppedRows: number;
}

/** How long partition DDL waits for the table's lock before this run gives up (the next run tries again). */
const LOCK_TIMEOUT = '5s';

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

type AuditPage = Page<AuditEvent, AuditPosition>;

/**
 * Postgres refuses NUL characters in text and jsonb, and lone UTF-16 surrogates in jsonb. Either could
 * arrive in attacker-chosen values (a client_id on a failed request) and would fail a whole batch.
 */
function storable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what Postgres text refuses.
  return text.replace(/[\u0000\uD800-\uDFFF]/gu, '\uFFFD');
}

function truncated(text: string | null): string | null {
  return text === null || text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH)}…`;
}

/** Applied to every string of a batch as it is serialised, details included. */
const storableStrings = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? storable(value) : value;

/**
 * JSON.stringify escapes NUL as \u0000 and a lone surrogate as \udXXX (and writes paired ones as they
 * are), so a batch whose plain JSON holds neither escape has nothing to scrub. A replacer function takes
 * JSON.stringify off its fast path (several times slower per row), so it is used only for the rare batch
 * that needs it; an escaped backslash followed by such text is a false alarm that merely takes that path.
 */
const NEEDS_SCRUBBING = /\\u0000|\\ud[89a-f]/i;

function batchJson(rows: readonly SerialisedAuditRow[]): string {
  const json = `[${rows.map((row) => row.json).join(',')}]`;
  return NEEDS_SCRUBBING.test(json) ? JSON.stringify(JSON.parse(json), storableStrings) : json;
}

function toRow(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at,
    type: event.type,
    actor: truncated(event.actor),
    client_id: truncated(event.client_id),
    organization_id: truncated(event.organization_id),
    ip: truncated(event.ip),
    request_id: truncated(event.request_id),
    details: event.details,
  };
}

/** An event as it waits to be stored: its id, for reports, and its row as JSON and as a COPY line. */
export interface SerialisedAuditRow {
  readonly id: string;
  readonly json: string;
  readonly line: string;
}

const TEXT_COLUMNS = ['actor', 'client_id', 'organization_id', 'ip', 'request_id'] as const;
const COPY_TARGET = `${TABLE} (id, at, type, actor, client_id, organization_id, ip, request_id, details)`;

/** A column's text as it can be stored: cut, without NUL or lone surrogates. */
function storableText(text: string | null): string | null {
  const cut = truncated(text);
  return cut === null ? null : storable(cut);
}

/** The details as jsonb takes them: JSON without the \u0000 or lone-surrogate escapes it refuses. */
function storableDetailsJson(details: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(details);
  return NEEDS_SCRUBBING.test(json) ? JSON.stringify(details, storableStrings) : json;
}

function copyLine(event: AuditEvent): string {
  return copyTextLine([
    event.id,
    event.at.toISOString(),
    storable(event.type),
    ...TEXT_COLUMNS.map((column) => storableText(event[column])),
    storableDetailsJson(event.details),
  ]);
}

/**
 * The row of `event` as JSON. `resourceJson`, the event as its log line has it (toAuditEventResource:
 * the same fields, `at` in ISO 8601), is that row already when no text needs cutting, so the token path
 * serialises each event once; and a queued event is one string, not a graph of objects that survives
 * garbage collections until its batch is written.
 */
export function serialiseRow(event: AuditEvent, resourceJson?: string): SerialisedAuditRow {
  const fits = TEXT_COLUMNS.every((column) => (event[column]?.length ?? 0) <= MAX_TEXT_LENGTH);
  return {
    id: event.id,
    json: fits && resourceJson !== undefined ? resourceJson : JSON.stringify(toRow(event)),
    line: copyLine(event),
  };
}

/** knex access for audit_events; nothing here decides anything. */
export class AuditStore {
  constructor(private readonly db: Knex) {}

  async insert(events: readonly AuditEvent[]): Promise<void> {
    await this.insertSerialised(events.map((event) => serialiseRow(event)));
  }

  /**
   * A batch's first write: one COPY, which costs Postgres about a third of the CPU per row of the INSERT
   * below (7-9 against 24 µs per token event, measured on Postgres 15). All rows or none are stored.
   */
  async copySerialised(rows: readonly SerialisedAuditRow[]): Promise<void> {
    await copyRows(this.db, COPY_TARGET, rows.map((row) => row.line).join(''));
  }

  /**
   * One statement per batch, for retries: a batch whose first write did commit although its answer was
   * lost is not stored twice (COPY would refuse the whole batch for its duplicate ids).
   */
  async insertSerialised(rows: readonly SerialisedAuditRow[]): Promise<void> {
    // One JSON parameter for the whole batch: Postgres parses it natively, where a multi-row VALUES
    // list would cost nine bind parameters per event to build, send and parse.
    await this.db.raw(
      `insert into ${TABLE} (id, at, type, actor, client_id, organization_id, ip, request_id, details)
       select id, at, type, actor, client_id, organization_id, ip, request_id, details
       from json_populate_recordset(null::${TABLE}, ?::json)
       on conflict (id, at) do nothing`,
      [batchJson(rows)],
    );
  }

  /** Newest first, `limit` events strictly after `after` in that order; positions are (at, id). */
  async page(filter: AuditEventFilter, { limit, after }: PageRequest<AuditPosition>): Promise<AuditPage> {
    const events: AuditEvent[] = await this.pageQuery(filter, after, limit + 1);
    return pageOf(events, limit, ({ at, id }) => ({ at, id }));
  }

  /** page's query: `since`/`until` bound `at`, so the planner reads only the partitions of those days. */
  pageQuery(filter: AuditEventFilter, after: AuditPosition | null, limit: number): Knex.QueryBuilder<AuditEvent> {
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
   * Deletes up to `limit` events older than `cutoff` from the default partition (days that had no
   * partition of their own), or returns null without deleting when another instance holds the
   * maintenance lock. Days with a partition go whole, in maintainPartitions.
   */
  async deleteOlderThan(cutoff: Date, limit: number): Promise<number | null> {
    return ifLockFree(this.db, LOCKS.auditMaintenance, async (trx) => {
      const oldest = trx(DEFAULT_PARTITION).select('id').where('at', '<', cutoff).orderBy('at').limit(limit);
      const deleted: number = await trx(DEFAULT_PARTITION).whereIn('id', oldest).delete();
      return deleted;
    });
  }

  /**
   * Under the maintenance lock (null when another instance holds it): creates the partitions of the
   * day of `now` and `daysAhead` days after it, and drops every partition whose whole day is older than
   * `cutoff` (none when it is null). DDL waits at most LOCK_TIMEOUT behind running queries, so a long
   * export delays maintenance rather than every insert queueing behind it.
   */
  async maintainPartitions(now: Date, daysAhead: number, cutoff: Date | null): Promise<PartitionMaintenance | null> {
    return ifLockFree(this.db, LOCKS.auditMaintenance, async (trx) => {
      await trx.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      let created = 0;
      for (let day = 0; day <= daysAhead; day++) {
        if (await createDailyPartition(trx, TABLE, addDays(utcDay(now), day))) created += 1;
      }
      const expired = cutoff
        ? (await listDailyPartitions(trx, TABLE)).filter((partition) => addDays(partition.day, 1) <= cutoff)
        : [];
      let droppedRows = 0;
      for (const partition of expired) {
        droppedRows += await estimatedRows(trx, partition.name);
        await dropDailyPartition(trx, partition);
      }
      return { created, dropped: expired, droppedRows };
    });
  }
}
