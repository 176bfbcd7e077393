import { setImmediate as nextTurnOfEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { CursorCodec } from '../db/paging.js';
import { type Actor, isOrganizationScoped } from '../x/actor.js';
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
    const page = await this.store.page(parsed.filter, { limit: parsed.limit, after: parsed.after });
    return AUDIT_CURSOR.listPage(page, toAuditEventResource);
  }

  /**
   * Every match, newest first, in chunks read as the consumer pulls them; `limit` does not apply. The
   * first chunk is read before this resolves, so bad input or an unavailable database is an error
   * response rather than a broken stream.
   */
  async export(query: AuditQuery, actor: Actor): Promise<AsyncIterable<AuditEventResource[]>> {
    const parsed = parseQuery(query, actor);
    const store = this.store;
    const first = parsed
      ? await store.page(parsed.filter, { limit: EXPORT_CHUNK_ROWS, after: parsed.after })
      : { items: [], next: null };
    return (async function* chunks() {
      let chunk = first;
      while (chunk.items.length > 0) {
        yield chunk.items.map(toAuditEventResource);
        if (chunk.next === null) return;
        // The export is as long as the match (it is the caller's request), but other requests get a turn
        // between its chunks: see inRounds for why the embedded database would not give them one.
        await nextTurnOfEventLoop();
        chunk = await store.page(parsed!.filter, { limit: EXPORT_CHUNK_ROWS, after: chunk.next });
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
    after: AUDIT_CURSOR.decode(parsed.cursor),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Audit positions on the wire: `[at, id]`, the time as ISO 8601. */
const AUDIT_CURSOR = new CursorCodec<AuditPosition>(
  z.tuple([z.iso.datetime(), z.string().regex(UUID)]).transform(([at, id]) => ({ at: new Date(at), id })),
  ({ at, id }) => [at.toISOString(), id],
);
