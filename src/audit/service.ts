import { setImmediate as nextTurnOfEventLoop } from 'node:timers/promises';
import { type Actor, isOrganizationScoped } from '../x/actor.js';
import { ValidationError } from '../x/errors.js';
import { type AuditEventResource, toAuditEventResource } from './event.js';
import type { AuditEventPage, AuditQuery } from './schemas.js';
import type { AuditEventFilter, AuditPosition, AuditStore } from './store.js';

/** Rows per query when exporting: the stream holds one chunk in memory, never the whole result. */
const EXPORT_CHUNK_ROWS = 1_000;

interface ParsedQuery {
  readonly filter: AuditEventFilter;
  readonly limit: number;
  readonly after: AuditPosition | null;
}

/** Reading the audit trail: the admin API's JSON pages and NDJSON export go through here. */
export class AuditService {
  constructor(private readonly store: AuditStore) {}

  /** One page, newest first; `next_cursor` continues it. */
  async list(query: AuditQuery, actor: Actor): Promise<AuditEventPage> {
    const parsed = parseQuery(query, actor);
    if (!parsed) return { items: [], next_cursor: null };
    const { filter, limit, after } = parsed;
    const events = await this.store.page(filter, after, limit + 1);
    const page = events.slice(0, limit);
    return {
      items: page.map(toAuditEventResource),
      next_cursor: events.length > limit ? encodeCursor(page[page.length - 1]!) : null,
    };
  }

  /**
   * Every match, newest first, in chunks read as the consumer pulls them; `limit` does not apply. The
   * first chunk is read before this resolves, so bad input or an unavailable database is an error
   * response rather than a broken stream.
   */
  async export(query: AuditQuery, actor: Actor): Promise<AsyncIterable<AuditEventResource[]>> {
    const parsed = parseQuery(query, actor);
    const store = this.store;
    const first = parsed ? await store.page(parsed.filter, parsed.after, EXPORT_CHUNK_ROWS) : [];
    return (async function* chunks() {
      let chunk = first;
      while (chunk.length > 0) {
        yield chunk.map(toAuditEventResource);
        if (chunk.length < EXPORT_CHUNK_ROWS) return;
        // The export is as long as the match (it is the caller's request), but other requests get a turn
        // between its chunks: see inRounds for why the embedded database would not give them one.
        await nextTurnOfEventLoop();
        chunk = await store.page(parsed!.filter, chunk[chunk.length - 1]!, EXPORT_CHUNK_ROWS);
      }
    })();
  }
}

/**
 * The query as a filter. An org-admin sees its own organization's events only, so asking for another
 * organization finds nothing (null), exactly as listing its clients does.
 */
function parseQuery(parsed: AuditQuery, actor: Actor): ParsedQuery | null {
  const organizationId = isOrganizationScoped(actor) ? actor.organizationId : parsed.organization_id;
  if (parsed.organization_id !== undefined && parsed.organization_id !== organizationId) return null;
  return {
    filter: {
      type: parsed.type,
      clientId: parsed.client_id,
      organizationId,
      since: parsed.since,
      until: parsed.until,
    },
    limit: parsed.limit,
    after: decodeCursor(parsed.cursor),
  };
}

function encodeCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string | undefined): AuditPosition | null {
  if (cursor === undefined) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    const date = typeof at === 'string' ? new Date(at) : new Date(NaN);
    if (typeof id === 'string' && UUID.test(id) && !Number.isNaN(date.getTime())) return { at: date, id };
  } catch {
    // Falls through to the same answer as any other unrecognised cursor.
  }
  throw ValidationError.field('cursor', 'not a cursor returned by this API');
}
