import { Readable } from 'node:stream';
import { principalOf } from '../http/api/authenticate.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import type { AuditEventResource } from './event.js';
import { auditEventPageSchema, auditEventSchema, auditQuerySchema } from './schemas.js';
import type { AuditService } from './service.js';

const NDJSON = 'application/x-ndjson';

async function* ndjsonLines(chunks: AsyncIterable<AuditEventResource[]>): AsyncGenerator<string> {
  for await (const chunk of chunks) yield chunk.map((event) => `${JSON.stringify(event)}\n`).join('');
}

/** /api/v1/audit-events: platform admins read every event, org-admins their organization's. */
export function auditRoutes(audit: AuditService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/audit-events',
      operationId: 'listAuditEvents',
      summary: 'List or export audit events, newest first',
      description:
        'JSON: one page per request, continued with next_cursor. With `Accept: application/x-ndjson`: every match, streamed as one event per line ' +
        '(no pages: limit does not apply), for SIEM import.',
      tag: 'Audit',
      access: 'any-admin',
      query: auditQuerySchema,
      blankQueryIsUnset: true,
      responses: {
        200: {
          description: 'Matching events',
          body: named('AuditEventPage', auditEventPageSchema),
          alternatives: { [NDJSON]: auditEventSchema },
        },
      },
      handler: async (ctx, { query }) => {
        if (ctx.accepts('application/json', NDJSON) === NDJSON) {
          const chunks = await audit.export(query, principalOf(ctx));
          ctx.type = NDJSON;
          ctx.body = Readable.from(ndjsonLines(chunks));
          return;
        }
        ctx.body = await audit.list(query, principalOf(ctx));
      },
    }),
  ];
}
